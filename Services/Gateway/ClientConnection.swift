import ChatProtocol
import Foundation
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
        case streaming(AsyncStream<ByteBuffer>.Continuation, any EventLoop)
        case closed
    }

    let id: String
    let user: String
    let format: FrameFormat
    let wantsServerAcks: Bool
    private let state = Mutex(State.opening)

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

    /// Called by the event stream route: events go to `events`, which its response writes.
    func openEventStream(_ events: AsyncStream<ByteBuffer>.Continuation, on eventLoop: any EventLoop) {
        state.withLock { state in
            if case .opening = state { state = .streaming(events, eventLoop) }
        }
    }

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
            guard case .streaming(let events, _) = state else { return nil }
            return events
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
    /// once NIO has it.
    func startDelivery(_ message: ChatMessage) -> EventLoopFuture<Void>? {
        switch state.withLock({ $0 }) {
        case .open(let channel):
            return channel.writeAndFlush(frame(format.encode(message), isText: format == .text))
        case .streaming(let events, let eventLoop):
            guard case .enqueued = events.yield(EventStreamFormat.event(message)) else { return nil }
            return eventLoop.makeSucceededVoidFuture()
        case .opening, .closed:
            return nil
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
