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
    private let connections = Mutex<[String: Set<String>]>([:])

    func apply(_ event: ConnectionState) {
        connections.withLock { connections in
            switch event.state {
            case .connected:
                connections[event.user, default: []].insert(Self.key(of: event))
            case .disconnected:
                connections[event.user]?.remove(Self.key(of: event))
                if connections[event.user]?.isEmpty == true { connections.removeValue(forKey: event.user) }
            }
        }
    }

    /// Connection ids are unique per gateway only.
    private static func key(of event: ConnectionState) -> String {
        "\(event.gateway)/\(event.connectionId)"
    }

    func isConnected(_ user: String) -> Bool {
        connections.withLock { $0[user] != nil }
    }
}
