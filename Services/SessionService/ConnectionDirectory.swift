import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import Pipeline
import ServiceKit
import Synchronization

/// Which gateways hold a socket of each user, persisted so a restart of session-ms does
/// not forget who is online. Reads go through a short-lived cache: records for one user
/// all reach one instance (keyed topics), and a stale entry is harmless because a
/// gateway answers "no-connection" and the message then goes to offline storage, from
/// which it is redelivered on the next CONNECTED.
final class ConnectionDirectory: Sendable {
    private struct Cached {
        let gatewayInternalURLs: [String]
        let loadedAt: ContinuousClock.Instant
    }

    /// Bounds one bulk write; events gathered beyond it wait for the next one.
    static let maxBatch = 1000

    private let collection: DocumentCollection
    private let cacheTTL: Duration
    private let cache = Mutex<[String: Cached]>([:])
    /// When each gateway internal URL was last found gone.
    private let goneGateways = Mutex<[String: Date]>([:])
    /// The newest connection event this instance applied per user (its timestamp, epoch ms):
    /// tells a stored copy whether the CONNECTED that sent it out was seen yet. Only needed
    /// while a stored copy sent on a connect may still be in flight.
    private let appliedEvents = Mutex(RecentEntries<String, UInt64>(keptFor: .seconds(600), pruneThreshold: 50_000))
    /// A burst of connects (a gateway restarting, clients reconnecting after an outage)
    /// brings thousands of events within seconds; one write each would keep the database
    /// busy for minutes and hold up deliveries, so they are written in batches.
    private let events: Batches<ConnectionState, Void>

    init(store: DocumentStore, database: String, cacheTTL: Duration = .seconds(10)) {
        let collection = store.collection(ConnectionDirectoryEntry.collectionName, in: database)
        self.collection = collection
        self.cacheTTL = cacheTTL
        events = Batches(maxBatch: Self.maxBatch) { batch in
            _ = try await collection.bulkWrite(Self.operations(for: batch), ordered: false)
        }
    }

    /// How many bulk writes recorded events so far.
    var batchesWritten: Int {
        events.batchesHandled
    }

    func createIndexes() async throws {
        try await collection.createIndex(["user": 1], name: "user")
        // Entries written before the field was renamed from `gatewayUrl`: renamed once here,
        // so a session-ms upgraded while users are connected still finds their sockets.
        _ = try await collection.updateMany(
            ["gatewayUrl": ["$exists": true]], ["$rename": ["gatewayUrl": "gatewayInternalURL"]])
    }

    /// Returns once the event is durably recorded, or throws. Events that arrive while a
    /// write is under way are recorded together by the next one.
    func apply(_ event: ConnectionState) async throws {
        // Also after a failure: part of an unordered bulk write may have been applied, and
        // a delivery waiting for this event must not wait on.
        defer {
            _ = cache.withLock { $0.removeValue(forKey: event.user) }
            noteApplied(event)
        }
        try await events.submit(event)
    }

    /// Whether this instance applied a connection event of `user` from `timestamp` (epoch
    /// ms) or later.
    func hasAppliedEvent(of user: String, since timestamp: UInt64) -> Bool {
        appliedEvents.withLock { ($0.value(for: user) ?? 0) >= timestamp }
    }

    /// The next lookup of `user` reads the database.
    func invalidate(_ user: String) {
        _ = cache.withLock { $0.removeValue(forKey: user) }
    }

    private func noteApplied(_ event: ConnectionState) {
        appliedEvents.withLock { applied in
            applied.set(max(applied.value(for: event.user) ?? 0, event.timestamp), for: event.user)
        }
    }

    /// One operation per connection, for its last event in the batch, which is the state
    /// the connection ends in whatever came before it. With one operation per `_id` their
    /// order no longer matters, so they are grouped by kind: the driver sends a run of
    /// operations of one kind as one command.
    static func operations(for batch: [ConnectionState]) -> [BulkOperation] {
        var latest: [String: ConnectionState] = [:]
        var connections: [String] = []
        for event in batch {
            if latest[event.connectionId] == nil { connections.append(event.connectionId) }
            latest[event.connectionId] = event
        }
        var upserts: [BulkOperation] = []
        var deletes: [BulkOperation] = []
        for event in connections.compactMap({ latest[$0] }) {
            switch event.state {
            case .connected:
                let fields: Document = [
                    "user": .string(event.user), "gateway": .string(event.gateway),
                    "gatewayInternalURL": .string(event.gatewayInternalURL), "since": .int64(Int64(event.timestamp)),
                ]
                upserts.append(
                    .updateOne(filter: ["_id": .string(event.connectionId)], update: ["$set": .document(fields)], upsert: true))
            case .disconnected:
                deletes.append(.deleteOne(filter: ["_id": .string(event.connectionId)]))
            }
        }
        return upserts + deletes
    }

    /// The distinct internal URLs of the gateways where the user has a socket.
    func gatewayInternalURLs(of user: String) async throws -> [String] {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[user] }), now - cached.loadedAt < cacheTTL {
            return cached.gatewayInternalURLs
        }
        let entries = try await collection.find(["user": .string(user)], as: ConnectionDirectoryEntry.self)
        var seen = Set<String>()
        let urls = entries.map(\.gatewayInternalURL).filter { seen.insert($0).inserted }
        cache.withLock { $0[user] = Cached(gatewayInternalURLs: urls, loadedAt: now) }
        return urls
    }

    /// The gateway at `gatewayInternalURL` refused a connection: its process is gone, and the
    /// sockets it held with it. Removes every entry it recorded before `refusedAt` (a
    /// restart at the same URL records new ones, which stay) from the database and the
    /// cache, and returns a DISCONNECTED event for each, which the dead gateway could not
    /// publish itself. Nil when another caller did it in the last `goneGatewayInterval`
    /// (a dead gateway fails many deliveries at once).
    func gatewayGone(_ gatewayInternalURL: String, refusedAt: Date = Date()) async throws -> [ConnectionState]? {
        let due = goneGateways.withLock { gone in
            if let last = gone[gatewayInternalURL], refusedAt.timeIntervalSince(last) < Self.goneGatewayInterval { return false }
            gone[gatewayInternalURL] = refusedAt
            return true
        }
        guard due else { return nil }
        let before = UInt64(refusedAt.timeIntervalSince1970 * 1000)
        let entries = try await collection.find(
            ["gatewayInternalURL": .string(gatewayInternalURL), "since": ["$lt": .int64(Int64(before))]],
            as: ConnectionDirectoryEntry.self)
        // By id, so an entry recorded between the find and here is not removed unannounced.
        if !entries.isEmpty {
            _ = try await collection.deleteMany(["_id": ["$in": .array(entries.map { .string($0._id) })]])
        }
        cache.withLock { cache in
            for (user, cached) in cache where cached.gatewayInternalURLs.contains(gatewayInternalURL) {
                cache[user] = Cached(gatewayInternalURLs: cached.gatewayInternalURLs.filter { $0 != gatewayInternalURL }, loadedAt: cached.loadedAt)
            }
        }
        return entries.map { entry in
            ConnectionState(
                user: entry.user, state: .disconnected, gateway: entry.gateway, gatewayInternalURL: entry.gatewayInternalURL,
                connectionId: entry._id, timestamp: before)
        }
    }

    /// How often a gone gateway's entries are removed at most.
    static let goneGatewayInterval: TimeInterval = 1

    /// A gateway said the user has no socket there: stop asking it until the next event.
    func forget(_ gatewayInternalURL: String, of user: String) {
        cache.withLock { cache in
            guard let cached = cache[user] else { return }
            cache[user] = Cached(gatewayInternalURLs: cached.gatewayInternalURLs.filter { $0 != gatewayInternalURL }, loadedAt: cached.loadedAt)
        }
    }
}
