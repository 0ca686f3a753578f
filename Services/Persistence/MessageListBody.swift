import ChatProtocol
import Foundation

/// The body of a page of messages, `{"messages": [...], "next": <cursor or null>}`, shared by
/// `GET /messages` and `GET /conversations/{id}/messages`. Spliced from each message's own
/// JSON rather than re-serialized, which keeps every envelope byte for byte what a socket
/// would deliver (number literals included).
enum MessageListBody {
    /// - Parameter next: the page's cursor text; digits, dots, hex and base64url only, so
    ///   quoting it is all the escaping it needs.
    static func encode(_ messages: [ChatMessage], next: String?) -> Data {
        var body = Data(#"{"messages":["#.utf8)
        for (index, message) in messages.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(message.outboundJSON())
        }
        body.append(contentsOf: #"],"next":\#(next.map { "\"\($0)\"" } ?? "null")}"#.utf8)
        return body
    }
}
