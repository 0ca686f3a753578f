import Foundation

/// A connection opening or closing at a gateway, published on `user-connection-state`.
public struct ConnectionState: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case connected = "CONNECTED"
        case disconnected = "DISCONNECTED"
    }

    public var user: String
    public var state: State
    /// The gateway instance name.
    public var gateway: String
    /// Where that gateway's internal `/send` is reached.
    public var gatewayInternalURL: String
    /// Which of the user's connections this is about; one user may hold several.
    public var connectionId: String
    /// Milliseconds since the epoch.
    public var timestamp: UInt64

    public init(
        user: String, state: State, gateway: String, gatewayInternalURL: String, connectionId: String,
        timestamp: UInt64
    ) {
        self.user = user
        self.state = state
        self.gateway = gateway
        self.gatewayInternalURL = gatewayInternalURL
        self.connectionId = connectionId
        self.timestamp = timestamp
    }
}
