import Foundation

extension ChatMessage {
    /// `{msgId, from, to, chatId, text, type, chatType|module, action, state}`, the envelope of
    /// the first app versions. Its `type` plays the role of `head.contentType` and its text
    /// becomes the body `{"text": ...}`.
    static func decodeVersion1(
        _ frame: JSONObjectReader, authenticatedUser: String
    ) throws(ProtocolError) -> ChatMessage {
        try checkSender(try frame.string("from"), authenticatedUser: authenticatedUser)

        let id = try frame.requiredString("msgId")
        let destination = try frame.requiredString("to")
        let contentType = try frame.string("type")
        let channelField = frame.value("chatType") != nil ? "chatType" : "module"

        var body: [String: JSONValue] = [:]
        body["text"] = try frame.string("text").map(JSONValue.string)

        // Stored under `chatid`, the key version 2 clients use in their head.
        var meta: [String: String] = [:]
        meta["chatid"] = metaString(frame.value("chatId") ?? frame.value("chatid"))
        meta["action"] = metaString(frame.value("action"))
        meta["state"] = metaString(frame.value("state"))
        meta["contentType"] = contentType

        return ChatMessage(
            version: 1,
            id: id,
            type: messageType(contentType: contentType, destination: destination),
            channel: try channel(named: try frame.string(channelField), field: channelField),
            source: authenticatedUser,
            destination: destination,
            content: JSONValue.object(body).serialized(),
            meta: meta)
    }
}
