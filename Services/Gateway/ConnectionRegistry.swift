import Synchronization

/// The sockets open on this gateway, by user. A user may hold several; closing one
/// removes only that one.
final class ConnectionRegistry: Sendable {
    private let byUser = Mutex<[String: [String: ClientConnection]]>([:])

    func add(_ connection: ClientConnection) {
        byUser.withLock { $0[connection.user, default: [:]][connection.id] = connection }
    }

    func remove(_ connection: ClientConnection) {
        byUser.withLock { users in
            users[connection.user]?.removeValue(forKey: connection.id)
            if users[connection.user]?.isEmpty == true { users.removeValue(forKey: connection.user) }
        }
    }

    func connections(of user: String) -> [ClientConnection] {
        byUser.withLock { Array(($0[user] ?? [:]).values) }
    }

    /// Ends every open event stream (a stopping gateway): unlike a socket, which closes when
    /// the public port stops, a stream is a response the server would wait for.
    func finishEventStreams() {
        let streams = byUser.withLock { $0.values.flatMap(\.values) }.filter(\.isEventStream)
        streams.forEach { $0.finish() }
    }

    var count: Int { byUser.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
