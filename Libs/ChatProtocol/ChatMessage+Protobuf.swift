import Foundation

extension ChatMessage {
    /// Decodes the binary envelope as services exchange it over the broker. Client frames go
    /// through `init(clientProtobuf:authenticatedUser:)` instead, which also checks the sender.
    public init(protobuf data: Data) throws(ProtocolError) {
        let proto = try ProtobufCoding.decode(Vartalap_Message.self, from: data)
        self.init(
            version: proto.version,
            id: proto.id,
            type: try MessageType(proto.type),
            channel: try MessageChannel(proto.channel),
            ephemeral: proto.ephemeral,
            source: proto.source,
            destination: proto.destination,
            content: proto.content,
            timestamp: proto.timestamp,
            meta: proto.meta,
            clientMeta: proto.clientMeta.isEmpty ? nil : proto.clientMeta,
            serverId: proto.serverID,
            serverTimestamp: proto.serverTimestamp,
            acceptSequence: proto.acceptSequence)
    }

    /// The binary envelope: what binary clients receive and what services put on the broker.
    public func protobufData() -> Data {
        var proto = Vartalap_Message()
        proto.version = version
        proto.id = id
        proto.type = type.protobuf
        proto.channel = channel.protobuf
        proto.ephemeral = ephemeral
        proto.source = source
        proto.destination = destination
        proto.content = content
        proto.timestamp = timestamp
        proto.meta = meta
        proto.clientMeta = clientMeta ?? Data()
        proto.serverID = serverId
        proto.serverTimestamp = serverTimestamp
        proto.acceptSequence = acceptSequence
        return ProtobufCoding.encode(proto)
    }
}

extension MessageType {
    init(_ proto: Vartalap_Message.MessageType) throws(ProtocolError) {
        switch proto {
        case .serverAck: self = .serverAck
        case .clientAck: self = .clientAck
        case .message: self = .message
        case .notification: self = .notification
        case .custom: self = .custom
        case .UNRECOGNIZED(let value): throw .invalidValue(field: "type", value: String(value))
        }
    }

    var protobuf: Vartalap_Message.MessageType {
        switch self {
        case .serverAck: .serverAck
        case .clientAck: .clientAck
        case .message: .message
        case .notification: .notification
        case .custom: .custom
        }
    }
}

extension MessageChannel {
    init(_ proto: Vartalap_Message.Channel) throws(ProtocolError) {
        switch proto {
        case .unknown: self = .unknown
        case .individual: self = .individual
        case .group: self = .group
        case .page: self = .page
        case .other: self = .other
        case .UNRECOGNIZED(let value): throw .invalidValue(field: "channel", value: String(value))
        }
    }

    var protobuf: Vartalap_Message.Channel {
        switch self {
        case .unknown: .unknown
        case .individual: .individual
        case .group: .group
        case .page: .page
        case .other: .other
        }
    }
}
