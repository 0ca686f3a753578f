import Foundation
import TestSupport
import XCTest

/// The database stopped (SIGSTOP: its sockets stay open and every call to it hangs, the
/// hardest kind of outage for a client) while two online users chat: session-ms delivers
/// from its in-memory connection directory, so their messages keep arriving. What needs
/// the database (here, storing a message for an offline user) catches up once it is back.
final class DatabaseOutageTests: XCTestCase {
    private static let outage: Duration = .seconds(20)

    func testTwoOnlineUsersKeepChattingWhileTheDatabaseIsStopped() async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob"), carol = TestStack.uniqueName("carol")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let carolKey = try await TestStack.login(carol)
        let aliceSocket = try await ChatClient.connect(alice, key: aliceKey)
        let bobSocket = try await ChatClient.connect(bob, key: bobKey)
        defer { aliceSocket.close(); bobSocket.close() }
        // Before the outage, so both users are known to be online.
        aliceSocket.sendMessage(to: bob, id: "before", text: "hello")
        _ = try await bobSocket.waitForMessages(1)

        let database = try Self.databasePid()
        XCTAssertEqual(kill(database, SIGSTOP), 0)
        var resumed = false
        defer { if !resumed { kill(database, SIGCONT) } }

        var latencies: [Duration] = []
        var toCarol: [String] = []
        let outageEnds = ContinuousClock.now + Self.outage
        var round = 0
        while ContinuousClock.now < outageEnds {
            let (from, to, recipient) = round.isMultiple(of: 2) ? (aliceSocket, bob, bobSocket) : (bobSocket, alice, aliceSocket)
            let before = recipient.messages.count
            let sentAt = ContinuousClock.now
            from.sendMessage(to: to, id: "outage-\(round)", text: "\(round)")
            try await eventually(timeout: .seconds(10), "message \(round) to arrive during the outage") {
                recipient.messages.count > before
            }
            latencies.append(ContinuousClock.now - sentAt)
            if round.isMultiple(of: 10) {
                aliceSocket.sendMessage(to: carol, id: "offline-\(round)", text: "\(round)")
                toCarol.append("offline-\(round)")
            }
            round += 1
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(kill(database, SIGCONT), 0)
        resumed = true
        let sentToCarol = Set(toCarol)

        latencies.sort()
        let p50 = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        print("database stopped \(Self.outage): \(latencies.count) messages between two online users, p50 \(p50), p99 \(p99), max \(latencies.last!)")
        XCTAssertGreaterThan(latencies.count, 100, "live chat kept going during the outage")
        XCTAssertLessThan(p99, .seconds(1))
        try await eventually(timeout: .seconds(30), "the messages to carol to be server-acked") {
            Set(aliceSocket.frames.filter(\.isServerAck).compactMap(\.id)).isSuperset(of: sentToCarol)
        }

        // Stored while the database was stopped (the writes waited): carol gets them when she comes.
        let carolSocket = try await ChatClient.connect(carol, key: carolKey)
        defer { carolSocket.close() }
        try await eventually(timeout: .seconds(60), "carol to get what was sent to her during the outage") {
            Set(carolSocket.messages.compactMap(\.id)).isSuperset(of: sentToCarol)
        }
        let ids = aliceSocket.messages.compactMap(\.id) + bobSocket.messages.compactMap(\.id)
        XCTAssertEqual(Set(ids).count, round + 1, "every message of the outage arrived")
    }

    private static func databasePid() throws -> Int32 {
        let file = try TestStack.stackDirectory().appendingPathComponent("run/database.pid").path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "no pid in \(file)")
    }
}
