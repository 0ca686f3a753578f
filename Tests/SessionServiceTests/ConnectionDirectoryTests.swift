import ChatProtocol
import DocumentStore
import Foundation
import Synchronization
@testable import SessionService
import TestSupport
import Testing

/// The directory against the test stack's database (VARTALAP_TEST_MONGO_URL), each test in
/// a database of its own.
@Suite struct ConnectionDirectoryTests {
    /// Runs `body` with a directory in a fresh database and its `connections` collection.
    private func withDirectory(
        _ body: (_ directory: ConnectionDirectory, _ connections: DocumentCollection) async throws -> Void
    ) async throws {
        let store = try DocumentStore(uri: try TestStack.mongoURL())
        let database = TestStack.uniqueName("session-tests")
        // A busy test machine can take longer than the service's 300 ms to answer a read;
        // these tests are about what a read finds, not about how long it may take.
        let directory = ConnectionDirectory(store: store, database: database, readPatience: .seconds(15))
        let connections = store.collection("connections", in: database)
        do {
            try await directory.createIndexes()
            try await body(directory, connections)
            try await connections.drop()
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }

    private static func event(
        _ state: ConnectionState.State, _ connectionId: String, user: String? = nil, gatewayInternalURL: String = "http://gateway-1:9000"
    ) -> ConnectionState {
        ConnectionState(
            user: user ?? "user-\(connectionId)", state: state, gateway: "gateway-1", gatewayInternalURL: gatewayInternalURL,
            connectionId: connectionId, timestamp: 1_700_000_000_000)
    }

    private func applyConcurrently(_ events: [ConnectionState], to directory: ConnectionDirectory) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for event in events {
                group.addTask { await directory.applyAndStore(event) }
            }
            try await group.waitForAll()
        }
    }

    /// An entry written before the field was renamed (`gatewayUrl`) is still found after
    /// the upgrade: `createIndexes` renames it.
    @Test func anEntryFromBeforeTheRenameIsStillFound() async throws {
        try await withDirectory { directory, connections in
            try await connections.insertOne([
                "_id": "old", "user": "olga", "gateway": "gateway-1", "gatewayUrl": "http://gateway-1:9000",
                "since": .int64(1_700_000_000_000),
            ])
            try await directory.createIndexes()
            #expect(await directory.gatewayInternalURLs(of: "olga") == ["http://gateway-1:9000"])
            #expect(try await connections.count(["gatewayUrl": ["$exists": true]]) == 0)
        }
    }

    @Test func aGoneGatewaysSocketsAreForgottenAndAnnouncedButNotTheOnesItRecordedAfterwards() async throws {
        try await withDirectory { directory, connections in
            let dead = "http://gateway-1:9000", alive = "http://gateway-2:9000"
            await directory.applyAndStore(Self.event(.connected, "c1", user: "ann", gatewayInternalURL: dead))
            await directory.applyAndStore(Self.event(.connected, "c2", user: "ann", gatewayInternalURL: alive))
            #expect(await directory.gatewayInternalURLs(of: "ann").sorted() == [dead, alive])  // cached now
            // Found gone a while after those connects (their timestamp is 2023).
            let goneAt = Date()
            var restarted = Self.event(.connected, "c3", user: "bea", gatewayInternalURL: dead)
            restarted.timestamp = UInt64(goneAt.timeIntervalSince1970 * 1000) + 1
            await directory.applyAndStore(restarted)

            let disconnected = try #require(await directory.gatewayGone(dead, refusedAt: goneAt))
            #expect(disconnected.map(\.connectionId) == ["c1"])
            #expect(disconnected.first?.state == .disconnected)
            #expect(disconnected.first?.user == "ann")
            #expect(disconnected.first?.gatewayInternalURL == dead)
            #expect(disconnected.first?.timestamp == UInt64(goneAt.timeIntervalSince1970 * 1000))
            #expect(await directory.gatewayInternalURLs(of: "ann") == [alive], "the cache still lists the gone gateway")
            try await eventually("the gone socket's entry to be deleted behind the memory") {
                try await connections.count(["_id": "c1"]) == 0
            }
            #expect(try await connections.count(["_id": "c3"]) == 1, "a socket of the restarted gateway was removed")
            #expect(await directory.gatewayGone(dead, refusedAt: goneAt) == nil, "a second report within a second is not repeated")
        }
    }

    @Test func itTellsWhetherAConnectionEventOfAUserFromAGivenTimeWasApplied() async throws {
        try await withDirectory { directory, _ in
            let connected = Self.event(.connected, "c1", user: "ann")
            #expect(!directory.hasAppliedEvent(of: "ann", since: connected.timestamp))
            await directory.applyAndStore(connected)
            #expect(directory.hasAppliedEvent(of: "ann", since: connected.timestamp))
            #expect(!directory.hasAppliedEvent(of: "ann", since: connected.timestamp + 1), "a later connect is not seen yet")
            #expect(!directory.hasAppliedEvent(of: "bob", since: connected.timestamp), "events are per user")
            var disconnected = Self.event(.disconnected, "c1", user: "ann")
            disconnected.timestamp += 5
            await directory.applyAndStore(disconnected)
            #expect(directory.hasAppliedEvent(of: "ann", since: connected.timestamp + 1), "a later disconnect counts too")
        }
    }

    @Test func aBurstOfConnectsIsRecordedInFarFewerWritesThanEvents() async throws {
        try await withDirectory { directory, connections in
            try await applyConcurrently((0..<2000).map { Self.event(.connected, "c\($0)") }, to: directory)

            #expect(try await connections.count() == 2000)
            #expect(try await connections.findOne(["_id": "c1999"])?["user"] == "user-c1999")
            #expect(directory.batchesWritten >= 2)
            #expect(directory.batchesWritten < 200, "events were not gathered into batches")
        }
    }

    @Test func aLoneEventIsWrittenByItselfBeforeApplyReturns() async throws {
        try await withDirectory { directory, connections in
            await directory.applyAndStore(Self.event(.connected, "c1"))
            #expect(directory.batchesWritten == 1)
            let afterConnect = try await connections.count(["_id": "c1"])
            #expect(afterConnect == 1)

            await directory.applyAndStore(Self.event(.disconnected, "c1"))
            #expect(directory.batchesWritten == 2)
            let afterDisconnect = try await connections.count()
            #expect(afterDisconnect == 0)
        }
    }

    @Test func aBatchEndsEachConnectionInItsLastState() async throws {
        try await withDirectory { _, connections in
            let batch = [
                Self.event(.connected, "both"), Self.event(.disconnected, "both"),
                Self.event(.disconnected, "back"), Self.event(.connected, "back", gatewayInternalURL: "http://gateway-2:9000"),
                Self.event(.connected, "twice"), Self.event(.connected, "twice", gatewayInternalURL: "http://gateway-3:9000"),
                Self.event(.disconnected, "gone"),
            ]
            let operations = ConnectionDirectory.operations(for: batch)
            #expect(operations.count == 4, "one operation per connection")
            #expect(operations.last == .deleteOne(filter: ["_id": "gone"]))

            try await connections.insertOne(["_id": "gone", "user": "user-gone"])
            try await connections.bulkWrite(operations, ordered: false)
            let stored = try await connections.find(sort: ["_id": 1])
            #expect(stored.compactMap { $0["_id"]?.stringValue } == ["back", "twice"])
            #expect(stored.compactMap { $0["gatewayInternalURL"]?.stringValue } == ["http://gateway-2:9000", "http://gateway-3:9000"])
        }
    }

    @Test func connectsAndDisconnectsOfManyConnectionsAtOnceLeaveOnlyTheConnected() async throws {
        try await withDirectory { directory, connections in
            try await applyConcurrently((0..<600).map { Self.event(.connected, "c\($0)") }, to: directory)
            // Each connection's events in order, as DeliveryCoordinator's per-user chain sends
            // them, while many connections' events share batches.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<600 {
                    group.addTask {
                        await directory.applyAndStore(Self.event(.disconnected, "c\(index)"))
                        if index.isMultiple(of: 3) {
                            await directory.applyAndStore(Self.event(.connected, "c\(index)", gatewayInternalURL: "http://gateway-2:9000"))
                        }
                    }
                }
                try await group.waitForAll()
            }

            #expect(try await connections.count() == 200)
            #expect(try await connections.count(["gatewayInternalURL": "http://gateway-2:9000"]) == 200)
        }
    }

    @Test func gatewayInternalURLsFollowTheAppliedEvents() async throws {
        try await withDirectory { directory, _ in
            #expect(await directory.gatewayInternalURLs(of: "alice") == [])

            try await applyConcurrently(
                [
                    Self.event(.connected, "a1", user: "alice", gatewayInternalURL: "http://gateway-1:9000"),
                    Self.event(.connected, "a2", user: "alice", gatewayInternalURL: "http://gateway-2:9000"),
                    Self.event(.connected, "a3", user: "alice", gatewayInternalURL: "http://gateway-2:9000"),
                    Self.event(.connected, "b1", user: "bob", gatewayInternalURL: "http://gateway-3:9000"),
                ], to: directory)
            let aliceURLs = await directory.gatewayInternalURLs(of: "alice")
            #expect(aliceURLs.sorted() == ["http://gateway-1:9000", "http://gateway-2:9000"])
            #expect(await directory.gatewayInternalURLs(of: "bob") == ["http://gateway-3:9000"])

            await directory.applyAndStore(Self.event(.disconnected, "a1", user: "alice", gatewayInternalURL: "http://gateway-1:9000"))
            #expect(await directory.gatewayInternalURLs(of: "alice") == ["http://gateway-2:9000"])
            #expect(await directory.gatewayInternalURLs(of: "bob") == ["http://gateway-3:9000"])
        }
    }

    /// The database down: events still apply in memory and deliveries find them, while
    /// their writes (and so their records' commits) wait.
    @Test func withTheDatabaseUnreachableEventsApplyInMemoryAndWaitToBeStored() async throws {
        // Nothing listens on port 1: server selection gives up after its timeout.
        let unreachable = try DocumentStore(uri: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300")
        let directory = ConnectionDirectory(store: unreachable, database: "unreachable")
        let stored = Mutex(0)
        for index in 0..<50 {
            directory.apply(Self.event(.connected, "c\(index)", user: "ann", gatewayInternalURL: "http://gateway-\(index % 2):9000")) {
                stored.withLock { $0 += 1 }
            }
        }
        #expect(await directory.gatewayInternalURLs(of: "ann").sorted() == ["http://gateway-0:9000", "http://gateway-1:9000"])
        directory.apply(Self.event(.disconnected, "c0", user: "ann", gatewayInternalURL: "http://gateway-0:9000")) {
            stored.withLock { $0 += 1 }
        }
        try await eventually("a failed write to be tried again") { directory.batchesWritten >= 2 }
        #expect(directory.hasAppliedEvent(of: "ann", since: 1_700_000_000_000))
        #expect(await directory.gatewayInternalURLs(of: "ann").count == 2, "c0 went, 24 more sockets remain at gateway-0")
        #expect(directory.unwrittenEvents == 50, "one unwritten event per connection")
        #expect(stored.withLock { $0 } == 0, "an event counted as stored while the database is down")
        await unreachable.close()
    }
}
