import Foundation
import TestSupport
import XCTest

/// `kill -9` of a service in the middle of a stream: after a restart every server-acked
/// message reaches its recipient (duplicates only with the same id).
final class CrashRecoveryTests: XCTestCase {
    private func streamSurvivesCrash(of service: String) async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        defer { sender.close(); recipient.close() }

        let total = 300
        for index in 0..<total / 2 { sender.sendMessage(to: bob, id: "\(service)-\(index)", text: "\(index)") }
        try await eventually("some deliveries before the crash") { !recipient.messages.isEmpty }
        let victim = try StackProcesses.killHard(service)
        for index in total / 2..<total { sender.sendMessage(to: bob, id: "\(service)-\(index)", text: "\(index)") }
        try await StackProcesses.waitForRestart(of: service, replacing: victim)

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
