import Foundation

extension ChatMessage {
    /// The JSON 2.1 frame sent to clients (and listed by `GET /messages`), with keys sorted so
    /// the same message always gives the same bytes.
    ///
    /// `head` holds every `meta` entry plus the core fields, which always win over a meta entry
    /// of the same name; `head.contentType` is the sender's original content type when there is
    /// one (it lives in meta), else the message type's name. `head.category` is the category
    /// the sender or server set, else `system` for `state`/`ack` actions and `message` otherwise.
    ///
    /// The version 1 fields are derived so that a version 1 client reading only them sees what
    /// a version 1 sender would have sent: `from`, `to`, `msgId` (the id), `type` (the content
    /// type, like `head.contentType`), `chatType` and `module` (the channel name), `chatId`
    /// (meta `chatId`, else `chatid`), `text` (the body's `text` when it is a string) and
    /// `action`; the last three are left out when there is nothing to put in them.
    /// An empty `id` (an error about an unreadable frame) is written as `null`.
    public func outboundJSON() -> Data {
        outboundFrame().serialized()
    }

    func outboundFrame() -> JSONValue {
        let contentType = meta["contentType"] ?? type.rawValue
        let idValue: JSONValue = id.isEmpty ? .null : .string(id)
        let body = outboundBody()

        var head = meta.mapValues(JSONValue.string)
        head["type"] = .string(channel.rawValue)
        head["from"] = .string(source)
        head["to"] = .string(destination)
        head["contentType"] = .string(contentType)
        head["ephemeral"] = .bool(ephemeral)
        head["category"] = .string(meta["category"] ?? Self.defaultCategory(action: meta["action"]))

        var frame: [String: JSONValue] = [
            "_v": .number("2.1"),
            "id": idValue,
            "head": .object(head),
            "body": body,
            "from": .string(source),
            "to": .string(destination),
            "msgId": idValue,
            "type": .string(contentType),
            "module": .string(channel.rawValue),
            "chatType": .string(channel.rawValue),
        ]
        frame["meta"] = outboundMeta()
        frame["chatId"] = (meta["chatId"] ?? meta["chatid"]).map(JSONValue.string)
        if case .string(let text)? = body["text"] {
            frame["text"] = .string(text)
        }
        frame["action"] = meta["action"].map(JSONValue.string)
        return .object(frame)
    }

    private static func defaultCategory(action: String?) -> String {
        action == "state" || action == "ack" ? "system" : "message"
    }

    /// Content from a binary client need not be JSON; it then reaches JSON clients as a string
    /// rather than breaking their frame.
    private func outboundBody() -> JSONValue {
        if content.isEmpty { return .object([:]) }
        if let body = try? JSONParser.parse(content) { return body }
        return .string(String(decoding: content, as: UTF8.self))
    }

    private func outboundMeta() -> JSONValue? {
        guard let clientMeta, case .object(let members)? = try? JSONParser.parse(clientMeta) else {
            return nil
        }
        return .object(members)
    }
}
