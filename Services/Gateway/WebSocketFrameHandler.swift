import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// Speaks WebSocket for one client socket, on the socket's event loop: joins fragments,
/// checks UTF-8 and sizes, answers pings and closes, applies the user's rate limit, and
/// closes a socket whose client stopped reading (`maxPendingBytes`). What a message
/// means is up to `SocketActions`; those run in order, one short-lived task at a time, and
/// only while there is work, so an idle socket keeps no task, stream or buffer alive.
final class WebSocketFrameHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct Settings: Sendable {
        /// Largest message, all fragments together; larger ones close the socket with 1009.
        var maxMessageBytes: Int
        /// The budget of each user, shared with the user's other connections and REST send.
        var rateLimits: UserRateLimits
        /// Bytes written to the socket but not yet taken by the kernel; past this the
        /// client is not reading, and the socket is closed (`channelWritabilityChanged`).
        var maxPendingBytes = 4 << 20
        /// A ping goes out this often; a socket that has not answered the previous one by
        /// then is closed, so clients that vanished without a FIN do not linger.
        var pingInterval = TimeAmount.seconds(30)
        /// How long a close we started waits for the client's close frame.
        var closeTimeout = TimeAmount.seconds(10)
        /// Messages waiting for their turn before the socket stops being read.
        var maxQueuedMessages = 8
    }

    /// One step of a socket's life, run off the event loop in arrival order.
    private enum Work: Sendable {
        case open
        case message(Data)
        case rateLimited(Data)
        case pong
        case close
    }

    private enum Phase {
        case open
        /// A close frame went out; nothing else may be written.
        case closing
        case closed
    }

    private let connection: ClientConnection
    private let settings: Settings
    private let actions: SocketActions
    private let logger: Logger
    private var assembler: MessageAssembler
    private var phase = Phase.open
    private var context: ChannelHandlerContext?
    private var eventLoop: (any EventLoop)?
    private var queued: [Work] = []
    private var working = false
    private var readHeld = false
    private var awaitingPong = false
    private var timer: Scheduled<Void>?

    init(connection: ClientConnection, settings: Settings, actions: SocketActions, logger: Logger) {
        self.connection = connection
        self.settings = settings
        self.actions = actions
        self.logger = logger
        self.assembler = MessageAssembler(maxBytes: settings.maxMessageBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        eventLoop = context.eventLoop
        connection.open(on: context.channel)
        enqueue(.open)
        schedulePing()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shutDown()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        shutDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // No extension is negotiated, so a reserved bit means a broken or hostile client.
        guard !frame.rsv1, !frame.rsv2, !frame.rsv3 else { return fail(.protocolError) }
        switch frame.opcode {
        case .connectionClose:
            receivedClose(frame)
        case .ping:
            guard phase == .open else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            awaitingPong = false
        default:
            // After our close frame, the client's remaining messages are not taken in.
            guard phase == .open else { return }
            switch assembler.append(frame) {
            case .incomplete: break
            case .failed(let code): fail(code)
            case .message(let opcode, let bytes): received(bytes, isText: opcode == .text)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // The gateway is shutting down gracefully.
            fail(.goingAway)
        case let event as ChannelEvent where event == .inputClosed:
            // The client is gone; nothing more can be said to it.
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("socket failed", metadata: ["user": "\(connection.user)", "reason": "\(error)"])
        if error is NIOWebSocketError {
            // WebSocketProtocolErrorHandler has sent the close frame and closes the socket.
            phase = .closing
            connection.finish()
        } else {
            context.close(promise: nil)
        }
    }

    /// Deliveries, acks and errors come through here from other threads; once the socket
    /// is closing they are refused, so a delivery reports it was not written. A write is
    /// done once the socket took it in, not once the kernel has it: a client that stopped
    /// reading must not hold up the internal `/send` call that also carries other users'
    /// messages. What the socket took in but never sent is never acked, so session-ms
    /// pushes it again or stores it; and the socket holds at most `maxPendingBytes` of it.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard phase == .open else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        context.write(data, promise: nil)
        promise?.succeed()
    }

    /// The socket holds more than `maxPendingBytes` (its high water mark) that the kernel
    /// would not take: the client stopped reading. Waiting for it would keep everything
    /// written to it in memory, so it is closed at once, without a close frame it would
    /// not read either; its unacked messages take the path of any dropped socket.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, phase != .closed {
            logger.notice(
                "closing a socket that stopped reading",
                metadata: ["user": "\(connection.user)", "maxPendingBytes": "\(settings.maxPendingBytes)"])
            ClientConnection.closedUnread.increment()
            phase = .closing
            connection.finish()
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Holding back reads while messages queue up pushes back on a client that sends
    /// faster than the broker takes its messages.
    func read(context: ChannelHandlerContext) {
        if queued.count >= settings.maxQueuedMessages {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func received(_ bytes: ByteBuffer, isText: Bool) {
        if isText {
            // RFC 6455: a text message that is not UTF-8 fails the connection; it is never
            // repaired into U+FFFD and taken in.
            guard String(validating: bytes.readableBytesView, as: UTF8.self) != nil else {
                return fail(.dataInconsistentWithMessage)
            }
            if bytes.readableBytesView.elementsEqual("ping".utf8) {
                return answerPing()
            }
        }
        let data = Data(bytes.readableBytesView)
        guard settings.rateLimits.allow(connection.user) else { return enqueue(.rateLimited(data)) }
        // Most messages need no waiting: taking them in here, in order behind nothing,
        // saves two thread hand-offs each (a task to start, the loop to come back to).
        if !working, queued.isEmpty, actions.receivedAtOnce(data, connection) { return }
        enqueue(.message(data))
    }

    /// The text "ping" (the apps' keep-alive) is answered at once unless earlier messages
    /// are still being handled, so answers keep the order of the frames.
    private func answerPing() {
        guard !working, queued.isEmpty, let context else { return enqueue(.pong) }
        let pong = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: "pong"))
        context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
    }

    private func receivedClose(_ frame: WebSocketFrame) {
        guard let context else { return }
        switch phase {
        case .open:
            phase = .closing
            connection.finish()
            // The client started the close: answer it, then end the connection.
            var data = context.channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: .normalClosure)
            let loopBoundContext = context.loopBound
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
                .whenComplete { _ in loopBoundContext.value.close(promise: nil) }
        case .closing:
            // The answer to our close: the handshake is complete.
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    /// Closes the socket from our side with `code`, then waits a while for the client's
    /// close frame, so the client reads the code instead of a reset connection.
    private func fail(_ code: WebSocketErrorCode) {
        guard phase == .open, let context else { return }
        phase = .closing
        connection.finish()
        logger.debug("closing a socket", metadata: ["user": "\(connection.user)", "code": "\(code)"])
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: settings.closeTimeout) { [self] in
            self.context?.close(promise: nil)
        }
    }

    private func schedulePing() {
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: settings.pingInterval) { [self] in
            guard phase == .open, let context = self.context else { return }
            guard !awaitingPong else { return fail(.goingAway) }
            awaitingPong = true
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
            schedulePing()
        }
    }

    private func shutDown() {
        guard phase != .closed else { return }
        phase = .closed
        connection.finish()
        timer?.cancel()
        timer = nil
        enqueue(.close)
    }

    // MARK: - Work, in order, off the event loop

    private func enqueue(_ work: Work) {
        queued.append(work)
        if !working { runQueued() }
    }

    private func runQueued() {
        guard let eventLoop, !queued.isEmpty else { return }
        working = true
        let batch = queued
        queued = []
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        let (connection, actions) = (self.connection, self.actions)
        Task {
            for work in batch {
                switch work {
                case .open: await actions.opened(connection)
                case .message(let bytes): await actions.received(bytes, connection)
                case .rateLimited(let bytes): await actions.rateLimited(bytes, connection)
                case .pong: connection.sendText("pong")
                case .close: await actions.closed(connection)
                }
            }
            eventLoop.execute { handler.value.finishedBatch() }
        }
    }

    private func finishedBatch() {
        working = false
        runQueued()
        if readHeld, queued.count < settings.maxQueuedMessages, let context {
            readHeld = false
            context.read()
        }
    }
}

/// What the gateway does with a socket beyond the WebSocket protocol. Each runs off the
/// event loop; a socket's calls come one at a time, in the order of its frames.
struct SocketActions: Sendable {
    /// The socket was upgraded (before any of its messages).
    let opened: @Sendable (ClientConnection) async -> Void
    /// A whole text or binary message within the rate limit, on the socket's event loop,
    /// when nothing of the socket's is waiting before it: true when it was taken in, false
    /// when it needs waiting (then `received` gets it). Must never block.
    let receivedAtOnce: @Sendable (Data, ClientConnection) -> Bool
    /// A whole text or binary message within the rate limit.
    let received: @Sendable (Data, ClientConnection) async -> Void
    /// A message over the rate limit.
    let rateLimited: @Sendable (Data, ClientConnection) async -> Void
    /// The socket is gone (after all of its messages).
    let closed: @Sendable (ClientConnection) async -> Void
}
