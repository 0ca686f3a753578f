import NIOCore
import NIOWebSocket

/// Joins the frames of one WebSocket message (RFC 6455 fragmentation). The size limit
/// applies to the whole message, so splitting a message into small frames does not get
/// past it. Holds bytes only while a fragmented message is arriving.
struct MessageAssembler {
    enum Outcome {
        case incomplete
        /// A whole text or binary message.
        case message(WebSocketOpcode, ByteBuffer)
        /// The socket must be failed with this close code.
        case failed(WebSocketErrorCode)
    }

    let maxBytes: Int
    private var opcode: WebSocketOpcode?
    private var partial: ByteBuffer?

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Takes a text, binary or continuation frame.
    mutating func append(_ frame: WebSocketFrame) -> Outcome {
        switch frame.opcode {
        case .text, .binary:
            // A new message may not start inside another one.
            guard opcode == nil else { return .failed(.protocolError) }
            let data = frame.unmaskedData
            guard data.readableBytes <= maxBytes else { return .failed(.messageTooLarge) }
            if frame.fin { return .message(frame.opcode, data) }
            opcode = frame.opcode
            partial = data
            return .incomplete
        case .continuation:
            guard let started = opcode, var message = partial else { return .failed(.protocolError) }
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= maxBytes else {
                reset()
                return .failed(.messageTooLarge)
            }
            // Released before writing so the buffer is extended in place, not copied.
            partial = nil
            message.writeBuffer(&data)
            guard frame.fin else {
                partial = message
                return .incomplete
            }
            reset()
            return .message(started, message)
        default:
            return .failed(.protocolError)
        }
    }

    private mutating func reset() {
        opcode = nil
        partial = nil
    }
}
