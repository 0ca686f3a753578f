import Foundation
import TestSupport
import XCTest

/// `kill -9` of a service in the middle of a stream: after a restart every server-acked
/// message reaches its recipient (duplicates only with the same id).
final class CrashRecoveryTests: XCTestCase {
    private static func pid(of service: String) throws -> Int32? {
        let pidFile = try TestStack.environment("VARTALAP_TEST_STACK_DIR") + "/run/\(service).pid"
        return Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func killHard(_ service: String) throws -> Int32 {
        let victim = try XCTUnwrap(try Self.pid(of: service))
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        try eventuallyDead(victim)
        return victim
    }

    /// The stack's supervisor starts a new process, as a restart policy would.
    private static func waitForRestart(of service: String, replacing victim: Int32) async throws {
        try await eventually("the supervisor to restart \(service)") {
            guard let replacement = try Self.pid(of: service) else { return false }
            return replacement != victim && !Self.isGone(replacement)
        }
    }

    /// Dead or a zombie (its parent, the stack script, is gone and may not reap it).
    private static func isGone(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    private static func eventuallyDead(_ pid: Int32) throws {
        for _ in 0..<500 where !Self.isGone(pid) {
            usleep(10_000)
        }
        XCTAssertTrue(Self.isGone(pid), "pid \(pid) survived SIGKILL")
    }

    private func streamSurvivesCrash(of service: String) async throws {
        let alice = TestStack.uniqueUser("alice"), bob = TestStack.uniqueUser("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        defer { sender.close(); recipient.close() }

        let total = 300
        for index in 0..<total / 2 { sender.sendMessage(to: bob, id: "\(service)-\(index)", text: "\(index)") }
        try await eventually("some deliveries before the crash") { !recipient.messages.isEmpty }
        let victim = try Self.killHard(service)
        for index in total / 2..<total { sender.sendMessage(to: bob, id: "\(service)-\(index)", text: "\(index)") }
        try await Self.waitForRestart(of: service, replacing: victim)

        try await eventually(timeout: .seconds(60), "every server-acked message to arrive") {
            let acked = Set(sender.frames.filter(\.isServerAck).compactMap(\.id))
            let received = Set(recipient.messages.compactMap(\.id))
            return acked.count == total && acked.isSubset(of: received)
        }
        let ids = recipient.messages.compactMap(\.id)
        let duplicates = ids.count - Set(ids).count
        print("kill -9 \(service): \(total) messages, \(duplicates) duplicates (same id)")
        XCTAssertTrue(Set(ids).isSubset(of: Set((0..<total).map { "\(service)-\($0)" })))
    }

    func testKillingSessionServiceLosesNothing() async throws {
        try await streamSurvivesCrash(of: "session-ms")
    }

    func testKillingMessageRouterLosesNothing() async throws {
        try await streamSurvivesCrash(of: "message-router")
    }
}
