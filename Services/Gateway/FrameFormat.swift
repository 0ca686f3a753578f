import ChatProtocol
import Foundation

/// How a client's socket (or REST call) encodes messages: `?format=text|binary`.
enum FrameFormat: String, Sendable {
    case text
    case binary

    init(query value: String?) throws(ProtocolError) {
        switch value?.lowercased() {
        case nil, "", "text", "json": self = .text
        case "binary", "protobuf": self = .binary
        default: throw ProtocolError.invalidValue(field: "format", value: value ?? "")
        }
    }

    func decode(_ bytes: Data, user: String) throws(ProtocolError) -> ChatMessage {
        switch self {
        case .text:
            return try ChatMessage(json: bytes, authenticatedUser: user, receivedAt: Clock.milliseconds())
        case .binary:
            return try ChatMessage(clientProtobuf: bytes, authenticatedUser: user)
        }
    }

    func encode(_ message: ChatMessage) -> Data {
        switch self {
        case .text: return message.outboundJSON()
        case .binary: return message.protobufData()
        }
    }

    /// The id of an undecodable message, when one can still be read, for its error frame.
    func messageId(inUndecodable bytes: Data) -> String? {
        self == .text ? ChatMessage.messageId(inJSONFrame: bytes) : nil
    }
}

enum Clock {
    static func milliseconds() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1000)
    }
}
