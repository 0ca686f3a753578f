import Foundation

extension LoginEvent {
    public init(protobuf data: Data) throws(ProtocolError) {
        let proto = try ProtobufCoding.decode(Vartalap_Login.self, from: data)
        self.init(
            user: proto.user, deviceId: proto.deviceID, notificationToken: proto.notificationToken,
            messageVersion: proto.messageVersion)
    }

    public func protobufData() -> Data {
        var proto = Vartalap_Login()
        proto.user = user
        proto.deviceID = deviceId
        proto.notificationToken = notificationToken
        proto.messageVersion = messageVersion
        return ProtobufCoding.encode(proto)
    }
}
