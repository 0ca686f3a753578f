import ChatProtocol
import Synchronization

/// Who is connected right now, as far as the `user-connection-state` events persistence
/// has handled tell. A message stored for a connected user has missed that user's
/// CONNECTED redelivery (the two topics are consumed independently), so the writer
/// publishes it at once instead of leaving it until the next connect.
///
/// Kept in memory: after a restart the set starts empty and fills with the next events;
/// until then a stored message waits for the recipient's next connect or `GET /messages`,
/// as it would without this.
final class ConnectedUsers: Sendable {
    /// Per user, each open connection with the timestamp of its CONNECTED event.
    private let connections = Mutex<[String: [String: UInt64]]>([:])

    func apply(_ event: ConnectionState) {
        connections.withLock { connections in
            switch event.state {
            case .connected:
                connections[event.user, default: [:]][Self.key(of: event)] = event.timestamp
            case .disconnected:
                connections[event.user]?.removeValue(forKey: Self.key(of: event))
                if connections[event.user]?.isEmpty == true { connections.removeValue(forKey: event.user) }
            }
        }
    }

    /// Connection ids are unique per gateway only.
    private static func key(of event: ConnectionState) -> String {
        "\(event.gateway)/\(event.connectionId)"
    }

    /// When the user's newest open connection connected (epoch ms); nil when none is open.
    func connectedAt(_ user: String) -> UInt64? {
        connections.withLock { $0[user]?.values.max() }
    }
}
