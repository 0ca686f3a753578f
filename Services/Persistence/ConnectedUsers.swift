import ChatProtocol
import Synchronization

/// Who is connected right now, as far as the `user-connection-state` events persistence
/// has handled tell. A message stored for a connected user has missed that user's
/// CONNECTED redelivery (the two topics are consumed independently), so the writer
/// publishes it at once instead of leaving it until the next connect.
///
/// Kept in memory, and filled at start from session-ms's connection directory (`load(from:)`)
/// so a restart does not forget who connected before it. Each instance loads every
/// connected user, not only those of its partitions: a few dozen bytes per socket.
final class ConnectedUsers: Sendable {
    private struct State {
        /// Per user, each open connection with the timestamp of its CONNECTED event.
        var connections: [String: [String: UInt64]] = [:]
        /// Per connected user, the `marks` count when their newest CONNECTED was applied.
        var markedAt: [String: UInt64] = [:]
        /// Counts applied CONNECTED events; orders them against the writer's writes.
        var marks: UInt64 = 0
    }

    private let state = Mutex(State())

    func apply(_ event: ConnectionState) {
        state.withLock { state in
            switch event.state {
            case .connected:
                state.connections[event.user, default: [:]][Self.key(of: event)] = event.timestamp
                state.marks += 1
                state.markedAt[event.user] = state.marks
            case .disconnected:
                state.connections[event.user]?.removeValue(forKey: Self.key(of: event))
                if state.connections[event.user]?.isEmpty == true {
                    state.connections.removeValue(forKey: event.user)
                    state.markedAt.removeValue(forKey: event.user)
                }
            }
        }
    }

    /// Connection ids are unique per gateway only.
    private static func key(of event: ConnectionState) -> String {
        "\(event.gateway)/\(event.connectionId)"
    }

    /// When the user's newest open connection connected (epoch ms); nil when none is open.
    func connectedAt(_ user: String) -> UInt64? {
        state.withLock { $0.connections[user]?.values.max() }
    }

    /// A point in the order of CONNECTED events, to hand to `markedConnected(_:after:)`.
    var now: UInt64 {
        state.withLock { $0.marks }
    }

    /// Whether a CONNECTED of `user` was applied after `point` (from `now`). Redelivery reads
    /// the store only after it applied the event, so such a redelivery finds everything
    /// written before `point` was taken.
    func markedConnected(_ user: String, after point: UInt64) -> Bool {
        state.withLock { ($0.markedAt[user] ?? 0) > point }
    }
}
