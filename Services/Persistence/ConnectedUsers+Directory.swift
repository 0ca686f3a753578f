import ChatProtocol
import Contracts
import DocumentStore

extension ConnectedUsers {
    /// Marks connected every socket session-ms's connection directory lists, as if its
    /// CONNECTED had just been handled; returns how many. Called once at start, before the
    /// consumer runs: otherwise a restarted persistence would know only users who connect
    /// after it, and a message stored for anyone connected before would wait in storage
    /// for their next connect. An entry the directory still holds for a socket that is gone
    /// costs one round through session-ms: the copy comes back marked as sent for that
    /// connection and stays stored.
    func load(from directory: DocumentCollection) async throws -> Int {
        let entries = try await directory.find([:], as: ConnectionDirectoryEntry.self)
        for entry in entries {
            apply(
                ConnectionState(
                    user: entry.user, state: .connected, gateway: entry.gateway, gatewayInternalURL: entry.gatewayInternalURL,
                    connectionId: entry._id, timestamp: UInt64(max(entry.since, 0))))
        }
        return entries.count
    }
}
