import Foundation

extension ChatMessage {
    /// The SERVER_ACK for a client message the broker has durably accepted, addressed back to
    /// its sender and carrying the server id and time the gateway gave it.
    public static func serverAck(for message: ChatMessage) -> ChatMessage {
        ChatMessage(
            version: message.version,
            id: message.id,
            type: .serverAck,
            channel: .individual,
            ephemeral: true,
            source: serverUser,
            destination: message.source,
            content: Data("{}".utf8),
            meta: ["category": "system"],
            serverId: message.serverId,
            serverTimestamp: message.serverTimestamp)
    }

    /// The frame that replaces the server ack of a message that was not accepted. Its body is
    /// `{code, error}`; binary clients recognise it by type CUSTOM with meta contentType ERROR.
    /// `id` is the offending message's id, nil when it could not be read.
    public static func errorFrame(id: String?, to user: String, code: Int, reason: String) -> ChatMessage {
        let body = JSONValue.object(["code": .number(String(code)), "error": .string(reason)])
        return ChatMessage(
            id: id ?? "",
            type: .custom,
            channel: .individual,
            ephemeral: true,
            source: serverUser,
            destination: user,
            content: body.serialized(),
            meta: ["contentType": "ERROR", "category": "system"])
    }

    /// The error frame for a frame that failed to decode.
    public static func errorFrame(id: String?, to user: String, error: ProtocolError) -> ChatMessage {
        errorFrame(id: id, to: user, code: error.statusCode, reason: error.description)
    }
}
