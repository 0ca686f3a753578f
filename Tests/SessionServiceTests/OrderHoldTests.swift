import Broker
import ChatProtocol
import Contracts
import Testing
import TestSupport

@testable import SessionService

/// Order across a trip through storage: bob's gateway refuses, so m1 goes to storage and
/// comes back as a stored copy once bob reconnects at gateway 2. A newer message that
/// finds bob's new socket first must not overtake it.
@Suite struct OrderHoldTests {
    static let gateway1 = "http://gateway-1:9000"
    static let gateway2 = "http://gateway-2:9000"
    static let reconnectedAt: UInt64 = 1_800_000_000_000

    /// bob connected at gateway 1, which then died with m1 on its way; m2 went to storage
    /// while bob had no socket; bob then reconnected at gateway 2.
    private func withBobReconnectedAfterTwoStored(
        sessionFlags: [String] = [], _ body: (CoordinatorHarness) async throws -> Void
    ) async throws {
        let harness = try await CoordinatorHarness(sessionFlags: sessionFlags)
        do {
            try await Self.apply(harness.connected("bob", at: Self.gateway1, timestamp: 1_700_000_000_000), in: harness)
            harness.gateway.answer(.gatewayGone, at: Self.gateway1)
            await harness.coordinator.handle(harness.message("m1", to: "bob"))
            await harness.coordinator.handle(harness.message("m2", to: "bob"))
            let stored = try await harness.offlineRecords(2)
            #expect(stored.map(\.key) == ["bob", "bob"])
            #expect(harness.gateway.pushes(of: "m2") == 0, "pushed to the gone gateway again")
            try await Self.apply(
                harness.connected("bob", at: Self.gateway2, timestamp: Self.reconnectedAt, connectionId: "c2"), in: harness)
            try await body(harness)
            await harness.close()
        } catch {
            await harness.close()
            throw error
        }
    }

    private static func apply(_ event: ConsumedMessage, in harness: CoordinatorHarness) async throws {
        await harness.coordinator.handle(event)
        try await eventually("the connection event to be applied") { harness.isResolved(event) }
    }

    private static func storedCopy(_ id: String, in harness: CoordinatorHarness) -> ConsumedMessage {
        harness.message(
            id, to: "bob",
            headers: [
                BrokerHeader(name: RecordHeaders.storedCopy, string: "true"),
                BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: "\(reconnectedAt)"),
            ])
    }

    private static func pushedAtGateway2(_ harness: CoordinatorHarness) -> [String] {
        harness.gateway.pushes.filter { $0.url == gateway2 }.map(\.messageId)
    }

    @Test func aNewerMessageWaitsForTheStoredCopiesOfOlderOnes() async throws {
        try await withBobReconnectedAfterTwoStored { harness in
            let m3 = harness.message("m3", to: "bob")
            await harness.coordinator.handle(m3)
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            #expect(Self.pushedAtGateway2(harness).isEmpty, "m3 overtook the two stored messages")

            await harness.coordinator.handle(Self.storedCopy("m1", in: harness))
            try await eventually("m1's copy to be pushed") { Self.pushedAtGateway2(harness) == ["m1"] }
            #expect(harness.gateway.pushes(of: "m3") == 0, "m3 went before m2's copy")

            await harness.coordinator.handle(Self.storedCopy("m2", in: harness))
            try await eventually("m2's copy, then m3") { Self.pushedAtGateway2(harness) == ["m1", "m2", "m3"] }
            #expect(!harness.isResolved(m3), "a held message is resolved by its ack, like any other")
            await harness.coordinator.handle(harness.clientAck("m3", by: "bob"))
            try await eventually("m3 to be resolved by its ack") { harness.isResolved(m3) }
            #expect(harness.offlineCount == 2, "m3 went to storage")
        }
    }

    /// Persistence sends copies from two places, so m2's can come back before m1's.
    @Test func aStoredCopyWaitsForTheCopiesOfOlderOwedMessages() async throws {
        try await withBobReconnectedAfterTwoStored { harness in
            await harness.coordinator.handle(Self.storedCopy("m2", in: harness))
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            #expect(Self.pushedAtGateway2(harness).isEmpty, "m2's copy overtook m1's")
            await harness.coordinator.handle(Self.storedCopy("m1", in: harness))
            try await eventually("m1, m2, then m3") { Self.pushedAtGateway2(harness) == ["m1", "m2", "m3"] }
        }
    }

    @Test func heldMessagesGoInOrderAfterTheOrderWaitWhenACopyNeverComes() async throws {
        try await withBobReconnectedAfterTwoStored(sessionFlags: ["--order-wait-ms", "3000"]) { harness in
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            await harness.coordinator.handle(harness.message("m4", to: "bob"))
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            // Progress restarts the wait: m1's copy comes, m2's never does.
            harness.clock.advance(by: .milliseconds(2000))
            await harness.coordinator.handle(Self.storedCopy("m1", in: harness))
            try await eventually("m1's copy to be pushed") { Self.pushedAtGateway2(harness) == ["m1"] }
            await harness.coordinator.handle(harness.clientAck("m1", by: "bob"))
            try await eventually("m1's ack timer to stop") { harness.clock.sleeping == 1 }
            harness.clock.advance(by: .milliseconds(2000))
            #expect(Self.pushedAtGateway2(harness) == ["m1"], "the wait did not start again on progress")
            harness.clock.advance(by: .milliseconds(1000))
            try await eventually("m3 and m4 after the wait") { Self.pushedAtGateway2(harness) == ["m1", "m3", "m4"] }

            // The debt is forgiven: what comes next goes straight out.
            await harness.coordinator.handle(harness.message("m5", to: "bob"))
            try await eventually("m5 at once") { Self.pushedAtGateway2(harness) == ["m1", "m3", "m4", "m5"] }
        }
    }

    /// bob's new socket died too while m3 and m4 waited: when the wait ends they go to
    /// storage behind m1 and m2, and the debts stay, so what comes after his next
    /// reconnect waits for all four.
    @Test func whenTheHeldMessagesCannotBePushedAfterTheWaitTheDebtsStay() async throws {
        try await withBobReconnectedAfterTwoStored(sessionFlags: ["--order-wait-ms", "3000"]) { harness in
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            await harness.coordinator.handle(harness.message("m4", to: "bob"))
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            harness.gateway.answer(.answered(.noConnection), at: Self.gateway2)
            harness.clock.advance(by: .seconds(3))
            let stored = try await harness.offlineRecords(4)
            #expect(try stored.suffix(2).map { try ChatMessage(protobuf: $0.value).id } == ["m3", "m4"])

            harness.gateway.answer(.answered(.written), at: Self.gateway2)
            try await Self.apply(
                harness.connected("bob", at: Self.gateway2, timestamp: Self.reconnectedAt + 1, connectionId: "c3"), in: harness)
            await harness.coordinator.handle(harness.message("m5", to: "bob"))
            try await eventually("m5 to be held") { harness.clock.sleeping == 1 }
            #expect(harness.gateway.pushes(of: "m5") == 0, "m5 overtook the four stored messages")
            for id in ["m1", "m2", "m3", "m4"] { await harness.coordinator.handle(Self.storedCopy(id, in: harness)) }
            try await eventually("the four copies, then m5") {
                Self.pushedAtGateway2(harness).suffix(5) == ["m1", "m2", "m3", "m4", "m5"]
            }
        }
    }

    /// bob's socket was dead while m3 waited: his reconnect, which sends the copies,
    /// starts the wait again.
    @Test func aConnectionEventOfTheRecipientRestartsTheOrderWait() async throws {
        try await withBobReconnectedAfterTwoStored(sessionFlags: ["--order-wait-ms", "3000"]) { harness in
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            harness.clock.advance(by: .milliseconds(2000))
            try await Self.apply(
                harness.connected("bob", at: Self.gateway2, timestamp: Self.reconnectedAt + 1, connectionId: "c3"), in: harness)
            harness.clock.advance(by: .milliseconds(2000))
            #expect(harness.gateway.pushes(of: "m3") == 0, "the reconnect did not restart the wait")
            harness.clock.advance(by: .milliseconds(1000))
            try await eventually("m3 after the restarted wait") { Self.pushedAtGateway2(harness) == ["m3"] }
        }
    }

    /// The client fetched m1 and m2 through `GET /messages` and acked them there.
    @Test func acksOfTheOwedMessagesReleaseTheHeldOnes() async throws {
        try await withBobReconnectedAfterTwoStored { harness in
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            try await eventually("the order wait to start") { harness.clock.sleeping == 1 }
            await harness.coordinator.handle(harness.clientAck("m1", by: "bob"))
            _ = try await harness.offlineRecords(3)  // the ack, handed on to delete the stored copy
            #expect(harness.gateway.pushes(of: "m3") == 0)
            await harness.coordinator.handle(harness.clientAck("m2", by: "bob"))
            try await eventually("m3 to be pushed") { Self.pushedAtGateway2(harness) == ["m3"] }
        }
    }

    @Test func withoutAnyConnectionNewerMessagesGoToStorageBehindTheOwedOnes() async throws {
        let harness = try await CoordinatorHarness()
        do {
            try await Self.apply(harness.connected("bob", at: Self.gateway1, timestamp: 1_700_000_000_000), in: harness)
            harness.gateway.answer(.gatewayGone, at: Self.gateway1)
            for id in ["m1", "m2", "m3"] { await harness.coordinator.handle(harness.message(id, to: "bob")) }
            let stored = try await harness.offlineRecords(3)
            #expect(stored.count == 3)
            #expect(harness.clock.sleeping == 0, "held although bob has nowhere to be pushed to")
            await harness.close()
        } catch {
            await harness.close()
            throw error
        }
    }

    @Test func orderWaitZeroHoldsNothing() async throws {
        try await withBobReconnectedAfterTwoStored(sessionFlags: ["--order-wait-ms", "0"]) { harness in
            await harness.coordinator.handle(harness.message("m3", to: "bob"))
            try await eventually("m3 at once") { Self.pushedAtGateway2(harness) == ["m3"] }
        }
    }
}
