import Foundation

extension ChatMessage {
    /// Decodes a client's JSON frame: envelope 2.1 and 2.0 (one format) or version 1 (no `_v`).
    ///
    /// The sender is always `authenticatedUser`: a frame naming anyone else throws
    /// `ProtocolError.spoofedSender`. JSON frames carry no send time, so `receivedAt`
    /// (milliseconds since the epoch) becomes `timestamp`.
    public init(json data: Data, authenticatedUser: String, receivedAt: UInt64) throws(ProtocolError) {
        guard case .object(let members) = try JSONParser.parse(data) else {
            throw .malformedJSON("a frame must be a JSON object")
        }
        let frame = JSONObjectReader(members)
        switch frame.value("_v") {
        case nil:
            self = try Self.decodeVersion1(frame, authenticatedUser: authenticatedUser)
        case .number(let literal)?:
            guard let version = Float(literal), version.isFinite else {
                throw .invalidValue(field: "_v", value: literal)
            }
            self = version >= 2
                ? try Self.decodeVersion2(frame, version: version, authenticatedUser: authenticatedUser)
                : try Self.decodeVersion1(frame, authenticatedUser: authenticatedUser)
        case _?:
            throw .wrongType(field: "_v", expected: "a number")
        }
        timestamp = receivedAt
    }

    /// The id of a JSON frame as far as it can be read, so that an error frame about a frame
    /// that failed to decode can still name it. Nil when there is none to read.
    public static func messageId(inJSONFrame data: Data) -> String? {
        guard case .object(let members)? = try? JSONParser.parse(data) else { return nil }
        let frame = JSONObjectReader(members)
        return (try? frame.string("id")) ?? (try? frame.string("msgId"))
    }

    /// Rejects a claimed sender that is not the authenticated user, never rewrites it.
    static func checkSender(_ claimed: String?, authenticatedUser: String) throws(ProtocolError) {
        if let claimed, claimed != authenticatedUser {
            throw .spoofedSender(claimed: claimed)
        }
    }

    /// A content type that names a message type selects it; any other (TEXT, ATTACHMENT...)
    /// is an ordinary MESSAGE. Without one, a frame to `server` is the web client's ack.
    static func messageType(contentType: String?, destination: String) -> MessageType {
        guard let contentType else {
            return destination == serverUser ? .clientAck : .message
        }
        return MessageType(rawValue: contentType.uppercased()) ?? .message
    }

    /// Old clients only ever sent 1-to-1 messages when they left the channel out.
    static func channel(named name: String?, field: String) throws(ProtocolError) -> MessageChannel {
        guard let name else { return .individual }
        guard let channel = MessageChannel(rawValue: name.uppercased()) else {
            throw .invalidValue(field: field, value: name)
        }
        return channel
    }

    /// Meta holds strings only, as in the original server: scalars keep their JSON text,
    /// containers become compact JSON, and `null` means the key is absent.
    static func metaString(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: nil
        case .string(let text)?: text
        case .number(let literal)?: literal
        case .bool(let flag)?: flag ? "true" : "false"
        case let container?: String(decoding: container.serialized(), as: UTF8.self)
        }
    }
}
