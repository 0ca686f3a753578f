import ChatProtocol
import DocumentStore
import Foundation
import Synchronization

/// Which gateways hold a socket of each user, persisted so a restart of session-ms does
/// not forget who is online. Reads go through a short-lived cache: records for one user
/// all reach one instance (keyed topics), and a stale entry is harmless because a
/// gateway answers "no-connection" and the message then goes to offline storage, from
/// which it is redelivered on the next CONNECTED.
final class ConnectionDirectory: Sendable {
    private struct Entry: Codable {
        var _id: String
        var user: String
        var gateway: String
        var gatewayUrl: String
        var since: Int64
    }

    private struct Cached {
        let gatewayURLs: [String]
        let loadedAt: ContinuousClock.Instant
    }

    private let collection: DocumentCollection
    private let cacheTTL: Duration
    private let cache = Mutex<[String: Cached]>([:])

    init(store: DocumentStore, database: String, cacheTTL: Duration = .seconds(10)) {
        self.collection = store.collection("connections", in: database)
        self.cacheTTL = cacheTTL
    }

    func createIndexes() async throws {
        try await collection.createIndex(["user": 1], name: "user")
    }

    func apply(_ event: ConnectionState) async throws {
        switch event.state {
        case .connected:
            let fields: Document = [
                "user": .string(event.user), "gateway": .string(event.gateway), "gatewayUrl": .string(event.gatewayURL),
                "since": .int64(Int64(event.timestamp)),
            ]
            try await collection.updateOne(["_id": .string(event.connectionId)], ["$set": .document(fields)], upsert: true)
        case .disconnected:
            _ = try await collection.deleteOne(["_id": .string(event.connectionId)])
        }
        _ = cache.withLock { $0.removeValue(forKey: event.user) }
    }

    /// The distinct internal URLs of the gateways where the user has a socket.
    func gatewayURLs(of user: String) async throws -> [String] {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[user] }), now - cached.loadedAt < cacheTTL {
            return cached.gatewayURLs
        }
        let entries = try await collection.find(["user": .string(user)], as: Entry.self)
        var seen = Set<String>()
        let urls = entries.map(\.gatewayUrl).filter { seen.insert($0).inserted }
        cache.withLock { $0[user] = Cached(gatewayURLs: urls, loadedAt: now) }
        return urls
    }

    /// A gateway said the user has no socket there: stop asking it until the next event.
    func forget(_ gatewayURL: String, of user: String) {
        cache.withLock { cache in
            guard let cached = cache[user] else { return }
            cache[user] = Cached(gatewayURLs: cached.gatewayURLs.filter { $0 != gatewayURL }, loadedAt: cached.loadedAt)
        }
    }
}
