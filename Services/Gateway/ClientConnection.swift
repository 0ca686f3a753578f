import ChatProtocol
import Foundation
import Metrics
import NIOCore
import NIOWebSocket
import Synchronization

/// One client's connection, as the rest of the gateway sees it: who it is, how it encodes
/// messages, and a way to write to it. A WebSocket is created when the upgrade request is
/// authenticated, opened once the socket speaks WebSocket and closed when it goes away;
/// writes go straight to the channel (NIO keeps them in order), so an idle socket costs
/// this record and the channel's state, nothing more. A Server-Sent Events stream
/// (`GET /events`) is the same to everyone else; its writes become `message` events.
final class ClientConnection: Sendable {
    private enum State {
        case opening
        case open(any Channel)
        case streaming(EventStream)
        case closed
    }

    /// An event stream's queue: the events its response has not written yet, and their
    /// bytes, which may not pass `maxPendingBytes`.
    private struct EventStream {
        let events: AsyncStream<ByteBuffer>.Continuation
        let channel: any Channel
        let maxPendingBytes: Int
        var pendingBytes = 0
    }

    /// Connections closed because their client stopped reading: sockets past their high
    /// water mark (`WebSocketFrameHandler`), event streams past `maxPendingBytes`.
    static let closedUnread = Counter(label: "gateway_unread_connections_closed_total")

    let id: String
    let user: String
    let format: FrameFormat
    let wantsServerAcks: Bool
    private let state = Mutex(State.opening)
    private let closedForNotReading = Atomic(false)

    init(user: String, format: FrameFormat, wantsServerAcks: Bool) {
        self.id = UUID().uuidString.lowercased()
        self.user = user
        self.format = format
        self.wantsServerAcks = wantsServerAcks
    }

    /// Called by the socket's frame handler once the upgrade is done.
    func open(on channel: any Channel) {
        state.withLock { state in
            if case .opening = state { state = .open(channel) }
        }
    }

    /// Called by the event stream route: events go to `events`, which its response writes
    /// to `channel`, telling `eventStreamWrote` as it goes. Once more than
    /// `maxPendingBytes` wait, the client is not reading: the stream ends and `channel`
    /// is closed.
    func openEventStream(_ events: AsyncStream<ByteBuffer>.Continuation, on channel: any Channel, maxPendingBytes: Int) {
        state.withLock { state in
            if case .opening = state { state = .streaming(EventStream(events: events, channel: channel, maxPendingBytes: maxPendingBytes)) }
        }
    }

    /// The event stream's response wrote `bytes` of what was queued.
    func eventStreamWrote(_ bytes: Int) {
        state.withLock { state in
            guard case .streaming(var stream) = state else { return }
            stream.pendingBytes -= bytes
            state = .streaming(stream)
        }
    }

    /// Queues the comment that keeps an idle event stream open through proxies.
    func sendKeepAlive() {
        _ = queue(EventStreamFormat.keepAlive)
    }

    /// Closed because its client stopped reading (more than `maxPendingBytes` waited).
    var stoppedReading: Bool { closedForNotReading.load(ordering: .relaxed) }

    var isEventStream: Bool {
        state.withLock { state in
            if case .streaming = state { return true }
            return false
        }
    }

    /// No frame is written after this; deliveries report false.
    func finish() {
        let stream: AsyncStream<ByteBuffer>.Continuation? = state.withLock { state in
            defer { state = .closed }
            guard case .streaming(let stream) = state else { return nil }
            return stream.events
        }
        stream?.finish()
    }

    /// Writes a frame without waiting for the socket (acks and errors).
    func send(_ message: ChatMessage) {
        _ = startDelivery(message)
    }

    /// Starts writing a frame and returns the write's outcome, nil when the connection is
    /// not open. Lets a caller start many writes before waiting for any of them. An event
    /// counts as written once it is queued for its stream's response, as a frame does
    /// once its socket took it in (`WebSocketFrameHandler.write`).
    func startDelivery(_ message: ChatMessage) -> EventLoopFuture<Void>? {
        switch state.withLock({ $0 }) {
        case .open(let channel):
            return channel.writeAndFlush(frame(format.encode(message), isText: format == .text))
        case .streaming(let stream):
            guard queue(EventStreamFormat.event(message)) else { return nil }
            return stream.channel.eventLoop.makeSucceededVoidFuture()
        case .opening, .closed:
            return nil
        }
    }

    /// Queues a chunk on the event stream, or ends the stream and closes its channel when
    /// that would put more than `maxPendingBytes` in the queue.
    private func queue(_ chunk: ByteBuffer) -> Bool {
        enum Verdict {
            case queue(AsyncStream<ByteBuffer>.Continuation)
            case overflow(EventStream)
            case closed
        }
        let verdict: Verdict = state.withLock { state in
            guard case .streaming(var stream) = state else { return .closed }
            stream.pendingBytes += chunk.readableBytes
            guard stream.pendingBytes <= stream.maxPendingBytes else {
                state = .closed
                return .overflow(stream)
            }
            state = .streaming(stream)
            return .queue(stream.events)
        }
        switch verdict {
        case .queue(let events):
            guard case .enqueued = events.yield(chunk) else { return false }
            return true
        case .overflow(let stream):
            closedForNotReading.store(true, ordering: .relaxed)
            Self.closedUnread.increment()
            stream.events.finish()
            // The response may be waiting for the socket to take its last write; closing
            // the channel ends that wait, and the response then reports the stream closed.
            stream.channel.close(promise: nil)
            return false
        case .closed:
            return false
        }
    }

    /// Raw text (the `pong` answer).
    func sendText(_ text: String) {
        guard let channel else { return }
        channel.writeAndFlush(frame(Data(text.utf8), isText: true), promise: nil)
    }

    private var channel: (any Channel)? {
        state.withLock { state in
            guard case .open(let channel) = state else { return nil }
            return channel
        }
    }

    private func frame(_ bytes: Data, isText: Bool) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: isText ? .text : .binary, data: ByteBuffer(bytes: bytes))
    }
}
