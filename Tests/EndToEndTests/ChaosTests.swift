import Foundation
import Synchronization
import TestSupport
import XCTest

/// Under steady one-to-one and group traffic, every service is killed with `kill -9` in
/// turn and restarted by the stack's supervisor (clients reconnect after the gateway's
/// crash). At the end every server-acked message has reached every recipient; duplicates
/// (same id) and the longest delivery stall are reported.
final class ChaosTests: XCTestCase {
    func testEveryServiceKilledInTurnUnderLoadLosesNoServerAckedMessage() async throws {
        func login(_ prefix: String) async throws -> ReconnectingUser {
            let name = TestStack.uniqueName(prefix)
            return ReconnectingUser(name: name, key: try await TestStack.login(name))
        }
        let sender = try await login("sender"), recipient = try await login("recipient")
        let groupSender = try await login("gsender"), memberB = try await login("member"), memberC = try await login("member")
        let everyone = [sender, recipient, groupSender, memberB, memberC]
        for user in everyone { try await user.connect() }
        defer { everyone.forEach { $0.closeAll() } }
        let groupId = try await GroupAPI(user: groupSender.name, key: groupSender.key).create("Chaos", members: [memberB.name, memberC.name])

        let stop = StopFlag()
        let watch = StallWatch()
        let load = Task {
            var tick = 0
            while !stop.isSet {
                sender.current?.sendMessage(to: recipient.name, id: "direct-\(tick)", text: "\(tick)")
                if tick % 3 == 0 { groupSender.current?.sendGroupMessage(to: groupId, id: "group-\(tick)", text: "\(tick)") }
                watch.observe(recipient.received.count + memberB.received.count + memberC.received.count)
                tick += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        var victims = ["message-router", "session-ms", "group-router", "persistence", "group-ms"]
        if try StackProcesses.pid(of: "push-notification") != nil { victims.append("push-notification") }
        victims.append("ws-gateway")
        let started = ContinuousClock.now
        for service in victims {
            let before = watch.count
            let victim = try StackProcesses.killHard(service)
            try await StackProcesses.waitForRestart(of: service, replacing: victim)
            if service == "ws-gateway" {
                for user in everyone { try await user.reconnect() }
            }
            try await eventually(timeout: .seconds(60), "deliveries to go on after kill -9 \(service)") { watch.count > before + 10 }
        }
        stop.set()
        await load.value

        try await eventually(timeout: .seconds(90), "every server-acked message to reach every recipient") {
            sender.serverAcked.isSubset(of: Set(recipient.received))
                && groupSender.serverAcked.isSubset(of: Set(memberB.received))
                && groupSender.serverAcked.isSubset(of: Set(memberC.received))
        }
        let received = recipient.received + memberB.received + memberC.received
        let duplicates = received.count - Set(recipient.received).count - Set(memberB.received).count - Set(memberC.received).count
        print(
            "chaos: killed \(victims.joined(separator: ", ")) in \(ContinuousClock.now - started); "
                + "\(sender.serverAcked.count) direct and \(groupSender.serverAcked.count) group messages server-acked, "
                + "all delivered; \(duplicates) duplicates (same id); longest stall \(watch.longest)")
        XCTAssertGreaterThan(sender.serverAcked.count, 100, "the load kept going through the crashes")
        for service in victims {
            XCTAssertTrue(try StackProcesses.isRunning(service), "\(service) is running again")
        }
    }
}
