import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import Logging
import Pipeline
import ServiceKit
import Synchronization

/// Which gateways hold a socket of each user. Deliveries read it from memory
/// (`LiveConnections`), so delivering to an online user needs no database round trip and
/// goes on while the database is down. The `connections` collection is the durable copy:
/// it is loaded when the instance starts, read again for a user whose entry is older than
/// `freshFor` (connections another instance recorded reach this one only through it), and
/// written behind the memory (`ConnectionWriteBehind`), each event's record committed
/// once its write is stored.
///
/// A stale entry is harmless: a gateway answers "no-connection" and the message goes to
/// offline storage, from which it is redelivered on the next CONNECTED.
final class ConnectionDirectory: Sendable {
    /// Bounds one bulk write; events gathered beyond it wait for the next one.
    static let maxBatch = 1000

    private let collection: DocumentCollection
    private let live: Mutex<LiveConnections>
    private let writes: ConnectionWriteBehind
    /// How long a lookup waits for a database read before it answers from memory.
    private let readPatience: Duration
    /// After a read failed or outlasted `readPatience`, lookups answer from memory without
    /// asking the database for this long: during an outage no delivery waits on it.
    private let unreachableFor: Duration
    private let reads = Mutex(Reads())
    /// When each gateway internal URL was last found gone.
    private let goneGateways = Mutex<[String: Date]>([:])
    /// The newest connection event this instance applied per user (its timestamp, epoch ms):
    /// tells a stored copy whether the CONNECTED that sent it out was seen yet. Only needed
    /// while a stored copy sent on a connect may still be in flight.
    private let appliedEvents = Mutex(RecentEntries<String, UInt64>(keptFor: .seconds(600), pruneThreshold: 50_000))

    private struct Reads {
        /// The read under way per user: concurrent lookups share it.
        var underWay: [String: Task<Bool, Never>] = [:]
        var unreachableUntil: ContinuousClock.Instant?
    }

    init(
        store: DocumentStore, database: String, freshFor: Duration = .seconds(10), readPatience: Duration = .milliseconds(300),
        unreachableFor: Duration = .seconds(2), logger: Logger = Logger(label: "session-ms")
    ) {
        let collection = store.collection(ConnectionDirectoryEntry.collectionName, in: database)
        self.collection = collection
        live = Mutex(LiveConnections(freshFor: freshFor))
        self.readPatience = readPatience
        self.unreachableFor = unreachableFor
        writes = ConnectionWriteBehind(maxBatch: Self.maxBatch, logger: logger) { events in
            _ = try await collection.bulkWrite(Self.operations(for: events), ordered: false)
        }
    }

    /// How many bulk writes were attempted so far, failed ones included.
    var batchesWritten: Int { writes.writesAttempted }

    /// Connection events applied in memory and not yet stored in the database.
    var unwrittenEvents: Int { writes.unwrittenCount }

    func createIndexes() async throws {
        try await collection.createIndex(["user": 1], name: "user")
        // Entries written before the field was renamed from `gatewayUrl`: renamed once here,
        // so a session-ms upgraded while users are connected still finds their sockets.
        _ = try await collection.updateMany(
            ["gatewayUrl": ["$exists": true]], ["$rename": ["gatewayUrl": "gatewayInternalURL"]])
    }

    /// Loads every recorded connection, so the instance knows who is online from its start.
    func loadAll() async throws {
        let entries = try await collection.find([:], as: ConnectionDirectoryEntry.self)
        live.withLock { $0.load(entries.map(Self.connection(from:)), at: .now) }
    }

    /// Applies the event in memory at once; `whenStored` runs once the database holds it
    /// (or a later event of the same connection), however long that takes.
    func apply(_ event: ConnectionState, whenStored: @escaping @Sendable () -> Void) {
        record(event, whenStored: whenStored)
        appliedEvents.withLock { applied in
            applied.set(max(applied.value(for: event.user) ?? 0, event.timestamp), for: event.user)
        }
    }

    /// `apply`, returning once the event is stored.
    func applyAndStore(_ event: ConnectionState) async {
        await withCheckedContinuation { continuation in
            apply(event) { continuation.resume() }
        }
    }

    private func record(_ event: ConnectionState, whenStored: @escaping @Sendable () -> Void) {
        live.withLock { $0.apply(event, at: .now) }
        writes.submit(event, whenStored: whenStored)
    }

    /// Whether this instance applied a connection event of `user` from `timestamp` (epoch
    /// ms) or later.
    func hasAppliedEvent(of user: String, since timestamp: UInt64) -> Bool {
        appliedEvents.withLock { ($0.value(for: user) ?? 0) >= timestamp }
    }

    /// The next lookup of `user` reads the database (when it answers).
    func invalidate(_ user: String) {
        live.withLock { $0.markStale(user, at: .now) }
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

    /// The distinct internal URLs of the gateways where the user has a socket, oldest
    /// connection first.
    func gatewayInternalURLs(of user: String) async -> [String] {
        let now = ContinuousClock.now
        let found = live.withLock { $0.lookup(user, at: now) }
        if found.isFresh || isUnreachable(at: now) { return found.gatewayInternalURLs }
        if await value(of: read(user, from: found.generation), within: readPatience) == nil {
            markUnreachable()
        }
        return live.withLock { $0.lookup(user, at: .now) }.gatewayInternalURLs
    }

    /// Reads `user`'s connections from the database into memory, unless an event of the
    /// user is applied meanwhile. Returns whether the database answered.
    private func read(_ user: String, from generation: UInt64) -> Task<Bool, Never> {
        reads.withLock { reads in
            if let underWay = reads.underWay[user] { return underWay }
            let task = Task { [self] in
                // Taken before the read: what is written while it runs may be missing from
                // its answer, and what is applied while it runs makes it land nowhere.
                let unwritten = writes.unwrittenEvents(of: user)
                let answered: Bool
                do {
                    let entries = try await collection.find(["user": .string(user)], as: ConnectionDirectoryEntry.self)
                    let overridden = Set(unwritten.map(\.connectionId))
                    let connections =
                        entries.filter { !overridden.contains($0._id) }.map(Self.connection(from:))
                        + unwritten.filter { $0.state == .connected }.map(Self.connection(from:))
                    _ = live.withLock { $0.replace(user, with: connections, readAtGeneration: generation, at: .now) }
                    answered = true
                } catch {
                    answered = false
                }
                self.reads.withLock { reads in
                    reads.underWay.removeValue(forKey: user)
                    reads.unreachableUntil = answered ? nil : .now + unreachableFor
                }
                return answered
            }
            reads.underWay[user] = task
            return task
        }
    }

    private func isUnreachable(at now: ContinuousClock.Instant) -> Bool {
        reads.withLock { $0.unreachableUntil.map { now < $0 } ?? false }
    }

    private func markUnreachable() {
        reads.withLock { $0.unreachableUntil = .now + unreachableFor }
    }

    /// The gateway at `gatewayInternalURL` refused a connection: its process is gone, and the
    /// sockets it held with it. Forgets every connection it recorded before `refusedAt` (a
    /// restart at the same URL records new ones, which stay), in memory and, behind it, in
    /// the database, and returns a DISCONNECTED event for each, which the dead gateway
    /// could not publish itself. Connections of users this instance never looked up are in
    /// the database only: they are included when it answers within `readPatience`. Nil
    /// when another caller did it in the last `goneGatewayInterval` (a dead gateway fails
    /// many deliveries at once).
    func gatewayGone(_ gatewayInternalURL: String, refusedAt: Date = Date()) async -> [ConnectionState]? {
        let due = goneGateways.withLock { gone in
            if let last = gone[gatewayInternalURL], refusedAt.timeIntervalSince(last) < Self.goneGatewayInterval { return false }
            gone[gatewayInternalURL] = refusedAt
            return true
        }
        guard due else { return nil }
        let before = UInt64(refusedAt.timeIntervalSince1970 * 1000)
        var gone = live.withLock { $0.connections(at: gatewayInternalURL, before: before) }
        if !isUnreachable(at: .now) {
            let recorded = Task { [collection] in
                try? await collection.find(
                    ["gatewayInternalURL": .string(gatewayInternalURL), "since": ["$lt": .int64(Int64(before))]],
                    as: ConnectionDirectoryEntry.self)
            }
            if let answer = await value(of: recorded, within: readPatience), let entries = answer {
                let known = Set(gone.map(\.id))
                gone += entries.filter { !known.contains($0._id) }.map(Self.connection(from:))
            } else {
                markUnreachable()
            }
        }
        let events = gone.map { connection in
            ConnectionState(
                user: connection.user, state: .disconnected, gateway: connection.gateway,
                gatewayInternalURL: connection.gatewayInternalURL, connectionId: connection.id, timestamp: before)
        }
        // Not noted as applied: these events are published, and count once consumed.
        for event in events { record(event, whenStored: {}) }
        return events
    }

    /// How often a gone gateway's entries are removed at most.
    static let goneGatewayInterval: TimeInterval = 1

    /// A gateway said the user has no socket there.
    func forget(_ gatewayInternalURL: String, of user: String) {
        live.withLock { $0.forget(gatewayInternalURL, of: user, at: .now) }
    }

    private static func connection(from entry: ConnectionDirectoryEntry) -> LiveConnections.Connection {
        LiveConnections.Connection(
            id: entry._id, user: entry.user, gateway: entry.gateway, gatewayInternalURL: entry.gatewayInternalURL,
            since: UInt64(max(entry.since, 0)))
    }

    private static func connection(from event: ConnectionState) -> LiveConnections.Connection {
        LiveConnections.Connection(
            id: event.connectionId, user: event.user, gateway: event.gateway, gatewayInternalURL: event.gatewayInternalURL,
            since: event.timestamp)
    }
}
