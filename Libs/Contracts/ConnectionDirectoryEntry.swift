/// One open socket in session-ms's connection directory, the `connections` collection of
/// the shared database. Session-ms writes it on CONNECTED and deletes it on DISCONNECTED
/// or when it finds the gateway gone; persistence reads it when it starts, to know who is
/// connected before the next connection events tell it.
public struct ConnectionDirectoryEntry: Codable, Sendable {
    public static let collectionName = "connections"

    /// The connection id.
    public var _id: String
    public var user: String
    public var gateway: String
    public var gatewayInternalURL: String
    /// The CONNECTED event's timestamp, epoch ms.
    public var since: Int64

    public init(connectionId: String, user: String, gateway: String, gatewayInternalURL: String, since: Int64) {
        (_id, self.user, self.gateway, self.gatewayInternalURL, self.since) = (connectionId, user, gateway, gatewayInternalURL, since)
    }
}
