import ChatProtocol
import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// One client's socket, as the rest of the gateway sees it: who it is, how it encodes
/// messages, and a way to write to it. It is created when the upgrade request is
/// authenticated, opened once the socket speaks WebSocket and closed when it goes away;
/// writes go straight to the channel (NIO keeps them in order), so an idle socket costs
/// this record and the channel's state, nothing more.
final class ClientConnection: Sendable {
    private enum State {
        case opening
        case open(any Channel)
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

    /// No frame is written after this; deliveries report false.
    func finish() {
        state.withLock { $0 = .closed }
    }

    /// Writes a frame without waiting for the socket (acks and errors).
    func send(_ message: ChatMessage) {
        guard let channel else { return }
        channel.writeAndFlush(frame(format.encode(message), isText: format == .text), promise: nil)
    }

    /// Starts writing a frame and returns the write's outcome, nil when the socket is not
    /// open. Lets a caller start many writes before waiting for any of them.
    func startDelivery(_ message: ChatMessage) -> EventLoopFuture<Void>? {
        guard let channel else { return nil }
        return channel.writeAndFlush(frame(format.encode(message), isText: format == .text))
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
