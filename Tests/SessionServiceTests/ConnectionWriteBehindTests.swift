import ChatProtocol
import Logging
@testable import SessionService
import Synchronization
import TestSupport
import Testing

@Suite struct ConnectionWriteBehindTests {
    /// A database stand-in that fails while `down` and records what it was given.
    private final class ScriptedDatabase: Sendable {
        let down = Mutex(false)
        let written = Mutex<[[ConnectionState]]>([])

        func write(_ events: [ConnectionState]) throws {
            struct Down: Error {}
            if down.withLock({ $0 }) { throw Down() }
            written.withLock { $0.append(events) }
        }
    }

    private static func event(_ state: ConnectionState.State, _ connectionId: String, timestamp: UInt64 = 1) -> ConnectionState {
        ConnectionState(
            user: "ann", state: state, gateway: "gateway-1", gatewayInternalURL: "http://gateway-1:9000", connectionId: connectionId,
            timestamp: timestamp)
    }

    private func writeBehind(_ database: ScriptedDatabase) -> ConnectionWriteBehind {
        ConnectionWriteBehind(maxBatch: 100, firstBackoff: .milliseconds(5), maxBackoff: .milliseconds(20), logger: TestStack.logger) {
            try database.write($0)
        }
    }

    @Test func eventsAreStoredOnlyOnceTheDatabaseTakesThemAndNoneIsDropped() async throws {
        let database = ScriptedDatabase()
        database.down.withLock { $0 = true }
        let writes = writeBehind(database)
        let stored = Mutex<[String]>([])
        for index in 0..<20 {
            writes.submit(Self.event(.connected, "c\(index)")) { stored.withLock { $0.append("c\(index)") } }
        }
        try await eventually("a few failed tries") { writes.writesAttempted >= 3 }
        #expect(stored.withLock { $0 }.isEmpty)
        #expect(writes.unwrittenCount == 20)
        #expect(writes.unwrittenEvents(of: "ann").count == 20)

        database.down.withLock { $0 = false }
        try await eventually("every event to be stored") { stored.withLock { $0.count } == 20 }
        #expect(writes.unwrittenCount == 0)
        let ids = database.written.withLock { $0 }.flatMap { $0.map(\.connectionId) }
        #expect(Set(ids) == Set((0..<20).map { "c\($0)" }))
    }

    @Test func aNewerEventOfAConnectionAnswersForTheOlderOneThatFailed() async throws {
        let database = ScriptedDatabase()
        database.down.withLock { $0 = true }
        let writes = writeBehind(database)
        let stored = Mutex<[String]>([])
        writes.submit(Self.event(.connected, "c1")) { stored.withLock { $0.append("connected") } }
        try await eventually("a failed try") { writes.writesAttempted >= 1 }
        writes.submit(Self.event(.disconnected, "c1", timestamp: 2)) { stored.withLock { $0.append("disconnected") } }
        #expect(writes.unwrittenEvents(of: "ann").map(\.state) == [.disconnected], "the memory overlay shows the newest state")

        database.down.withLock { $0 = false }
        try await eventually("both events to count as stored") { stored.withLock { $0.count } == 2 }
        #expect(stored.withLock { $0 } == ["connected", "disconnected"])
        let last = try #require(database.written.withLock { $0 }.last)
        #expect(last.last?.state == .disconnected, "the database did not end in the connection's last state")
    }
}
