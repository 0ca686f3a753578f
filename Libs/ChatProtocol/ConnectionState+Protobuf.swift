import Foundation

extension ConnectionState {
    public init(protobuf data: Data) throws(ProtocolError) {
        let proto = try ProtobufCoding.decode(Vartalap_UserConnectionState.self, from: data)
        let state: State
        switch proto.state {
        case .connected: state = .connected
        case .disconnected: state = .disconnected
        case .UNRECOGNIZED(let value): throw .invalidValue(field: "state", value: String(value))
        }
        self.init(
            user: proto.user, state: state, gateway: proto.gateway, gatewayInternalURL: proto.gatewayInternalURL,
            connectionId: proto.connectionID, timestamp: proto.timestamp)
    }

    public func protobufData() -> Data {
        var proto = Vartalap_UserConnectionState()
        proto.user = user
        proto.state = state == .connected ? .connected : .disconnected
        proto.gateway = gateway
        proto.gatewayInternalURL = gatewayInternalURL
        proto.connectionID = connectionId
        proto.timestamp = timestamp
        return ProtobufCoding.encode(proto)
    }
}
