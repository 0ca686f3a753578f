import ChatProtocol
import Foundation

/// One open WebSocket. Everything written to it goes through `outbound`, drained by a
/// single writer task, so frames from the inbound loop (acks, errors) and from
/// deliveries never interleave badly.
final class ClientConnection: Sendable {
    struct Frame: Sendable {
        let bytes: Data
        let isText: Bool
        /// Resumed with true once the frame reached the socket, false if it never will.
        let written: CheckedContinuation<Bool, Never>?
    }

    let id: String
    let user: String
    let format: FrameFormat
    let wantsServerAcks: Bool
    private let outbound: AsyncStream<Frame>.Continuation
    let frames: AsyncStream<Frame>

    init(user: String, format: FrameFormat, wantsServerAcks: Bool) {
        self.id = UUID().uuidString.lowercased()
        self.user = user
        self.format = format
        self.wantsServerAcks = wantsServerAcks
        (frames, outbound) = AsyncStream<Frame>.makeStream()
    }

    /// Queues a frame without waiting for the socket (acks and errors).
    func send(_ message: ChatMessage) {
        outbound.yield(Frame(bytes: format.encode(message), isText: format == .text, written: nil))
    }

    /// Queues a frame and waits until it was written to the socket.
    func deliver(_ message: ChatMessage) async -> Bool {
        let bytes = format.encode(message)
        return await withCheckedContinuation { continuation in
            if case .terminated = outbound.yield(Frame(bytes: bytes, isText: format == .text, written: continuation)) {
                continuation.resume(returning: false)
            }
        }
    }

    /// Raw text (the `pong` answer).
    func sendText(_ text: String) {
        outbound.yield(Frame(bytes: Data(text.utf8), isText: true, written: nil))
    }

    func finish() {
        outbound.finish()
    }
}
