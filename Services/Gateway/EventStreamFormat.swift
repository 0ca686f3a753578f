import ChatProtocol
import NIOCore

/// The Server-Sent Events wire format of `GET /events` (PROTOCOL.md): one `message` event
/// per delivery, its id the message id and its data the message in JSON 2.1, as a socket
/// with `format=text` would get it; comments keep idle proxies from closing the stream.
enum EventStreamFormat {
    static func event(_ message: ChatMessage) -> ByteBuffer {
        // JSON has no raw line breaks; an id could, and would end the field early.
        let id = message.id.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        var buffer = ByteBuffer(string: "id: \(id)\nevent: message\ndata: ")
        buffer.writeBytes(message.outboundJSON())
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment line: ignored by clients, enough traffic for proxies.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// Sent first, so the response head and a first byte go out at once.
    static let opened = ByteBuffer(string: ": connected\n\n")
}
