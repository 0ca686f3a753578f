import Foundation

extension ChatMessage {
    /// Decodes a binary client's frame. As with JSON, the sender is always `authenticatedUser`
    /// (a different non-empty `source` throws `spoofedSender`), the server fields are the
    /// gateway's to set and so are cleared, `id` and `destination` are required as in JSON,
    /// and `clientMeta` must be a JSON object; it is stored compact with sorted keys, as for
    /// JSON clients.
    public init(clientProtobuf data: Data, authenticatedUser: String) throws(ProtocolError) {
        var message = try ChatMessage(protobuf: data)
        if !message.source.isEmpty {
            try Self.checkSender(message.source, authenticatedUser: authenticatedUser)
        }
        guard !message.id.isEmpty else { throw .missingField("id") }
        guard !message.destination.isEmpty else { throw .missingField("destination") }
        message.source = authenticatedUser
        message.serverId = ""
        message.serverTimestamp = 0
        message.acceptSequence = 0
        if let clientMeta = message.clientMeta {
            guard case .object(let members) = try JSONParser.parse(clientMeta) else {
                throw .wrongType(field: "clientMeta", expected: "a JSON object")
            }
            message.clientMeta = JSONValue.object(members).serialized()
        }
        self = message
    }
}
