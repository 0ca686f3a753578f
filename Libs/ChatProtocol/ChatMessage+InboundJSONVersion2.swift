import Foundation

extension ChatMessage {
    /// The head members that become envelope fields; every other one goes to `meta`.
    private static let coreHeadKeys: Set<String> = ["type", "to", "from", "contentType", "ephemeral"]

    /// `{_v, id, head:{type, to, from, contentType, ephemeral, ...}, meta:{...}, body}`.
    static func decodeVersion2(
        _ frame: JSONObjectReader, version: Float, authenticatedUser: String
    ) throws(ProtocolError) -> ChatMessage {
        guard let headMembers = try frame.object("head") else { throw .missingField("head") }
        let head = JSONObjectReader(headMembers, prefix: "head.")
        try checkSender(try head.string("from"), authenticatedUser: authenticatedUser)

        let id = try frame.requiredString("id")
        let destination = try head.requiredString("to")
        let contentType = try head.string("contentType")

        var meta: [String: String] = [:]
        for (key, value) in headMembers where !coreHeadKeys.contains(key) {
            meta[key] = metaString(value)
        }
        meta["contentType"] = contentType

        return ChatMessage(
            version: version,
            id: id,
            type: messageType(contentType: contentType, destination: destination),
            channel: try channel(named: try head.string("type"), field: "head.type"),
            ephemeral: try head.bool("ephemeral") ?? false,
            source: authenticatedUser,
            destination: destination,
            content: frame.value("body")?.serialized() ?? Data(),
            meta: meta,
            clientMeta: try frame.object("meta").map { JSONValue.object($0).serialized() })
    }
}
