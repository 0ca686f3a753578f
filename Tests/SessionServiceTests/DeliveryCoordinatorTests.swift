import Broker
import Contracts
import Testing
import TestSupport

@testable import SessionService

/// session-ms's delivery state machine (Docs/LIFECYCLE.md): push, ack, retry with
/// backoff, offline hand-off, waiting for a connection event, dead letters. The gateway
/// answers as each test scripts it and time moves only when the test advances the clock.
@Suite struct DeliveryCoordinatorTests {
    static let gateway1 = "http://gateway-1:9000"

    /// Runs `body` with a fresh harness in which `bob` is connected at gateway 1.
    private func withConnectedBob(
        sessionFlags: [String] = [], _ body: (CoordinatorHarness) async throws -> Void
    ) async throws {
        let harness = try await CoordinatorHarness(sessionFlags: sessionFlags)
        do {
            let connect = harness.connected("bob", at: Self.gateway1, timestamp: 1_700_000_000_000)
            await harness.coordinator.handle(connect)
            try await eventually("bob's CONNECTED to be applied") { harness.isResolved(connect) }
            try await body(harness)
            await harness.close()
        } catch {
            await harness.close()
            throw error
        }
    }

    @Test func aPushedMessageIsResolvedByItsAckAndNotBefore() async throws {
        try await withConnectedBob { harness in
            let message = harness.message("m1", to: "bob")
            await harness.coordinator.handle(message)
            try await eventually("the push") { harness.gateway.pushes(of: "m1") == 1 && harness.clock.sleeping == 1 }
            #expect(harness.gateway.pushes == [.init(user: "bob", messageId: "m1", url: Self.gateway1)])
            #expect(!harness.isResolved(message), "resolved before the recipient acked")

            let ack = harness.clientAck("m1", by: "bob")
            await harness.coordinator.handle(ack)
            try await eventually("the message and its ack to be resolved") {
                harness.isResolved(message) && harness.isResolved(ack)
            }
            #expect(harness.clock.sleeping == 0, "the ack timer still runs")
            #expect(harness.offlineCount == 0)
        }
    }

    @Test func withoutAnAckItIsPushedAgainWithBackoffThenStoredAsUnacknowledged() async throws {
        try await withConnectedBob { harness in
            let message = harness.message("m1", to: "bob")
            await harness.coordinator.handle(message)
            try await eventually("the first push") { harness.gateway.pushes(of: "m1") == 1 && harness.clock.sleeping == 1 }

            harness.clock.advance(by: .milliseconds(999))
            #expect(harness.gateway.pushes(of: "m1") == 1, "pushed again before the 1 s ack timeout")
            harness.clock.advance(by: .milliseconds(1))
            try await eventually("the second push") { harness.gateway.pushes(of: "m1") == 2 && harness.clock.sleeping == 1 }

            // Backoff 2: the second attempt waits 2 s, the third 4 s.
            harness.clock.advance(by: .milliseconds(1999))
            #expect(harness.gateway.pushes(of: "m1") == 2, "the retry did not back off")
            harness.clock.advance(by: .milliseconds(1))
            try await eventually("the third push") { harness.gateway.pushes(of: "m1") == 3 && harness.clock.sleeping == 1 }
            #expect(harness.offlineCount == 0)

            harness.clock.advance(by: .seconds(4))
            let stored = try await harness.offlineRecords(1)
            #expect(stored.map(\.key) == ["bob"])
            #expect(stored.first?.headers.value(for: RecordHeaders.unacknowledged) == "true")
            try await eventually("the record to be resolved once stored") { harness.isResolved(message) }
            #expect(harness.gateway.pushes(of: "m1") == 3, "pushed more than --max-delivery-attempts times")
        }
    }

    @Test func aRecipientWithoutConnectionsIsStoredAtOnce() async throws {
        try await withConnectedBob { harness in
            let message = harness.message("m1", to: "carol")
            await harness.coordinator.handle(message)
            let stored = try await harness.offlineRecords(1)
            #expect(stored.map(\.key) == ["carol"])
            #expect(stored.first?.headers.value(for: RecordHeaders.unacknowledged) == nil, "it never reached carol")
            try await eventually("the record to be resolved once stored") { harness.isResolved(message) }
            #expect(harness.gateway.pushes.isEmpty)
        }
    }

    @Test func aGatewayThatRefusesIsForgottenItsSocketsAnnouncedClosedAndItsMessageStored() async throws {
        try await withConnectedBob { harness in
            harness.gateway.answer(.gatewayGone, at: Self.gateway1)
            await harness.coordinator.handle(harness.message("m1", to: "bob"))
            _ = try await harness.offlineRecords(1)
            harness.directory.invalidate("bob")
            #expect(await harness.directory.gatewayInternalURLs(of: "bob").isEmpty, "the gone gateway's socket is still listed")
            // The dead gateway could not say its socket closed; session-ms says it instead.
            let announced = try await harness.publishedConnectionEvents(1)
            #expect(announced.map(\.state) == [.disconnected])
            #expect(announced.map(\.user) == ["bob"])
            #expect(announced.map(\.connectionId) == ["c1"])
        }
    }

    @Test func oneRecipientsMessagesArePushedInTheOrderTheyWereConsumed() async throws {
        try await withConnectedBob { harness in
            let ids = (0..<30).map { "m\($0)" }
            for id in ids { await harness.coordinator.handle(harness.message(id, to: "bob")) }
            try await eventually("every push") { harness.gateway.pushes.count == ids.count }
            #expect(harness.gateway.pushes.map(\.messageId) == ids)
        }
    }

    @Test func aRepeatedRecordSharesOneDeliveryAndOneAckResolvesBoth() async throws {
        try await withConnectedBob { harness in
            let first = harness.message("m1", to: "bob"), again = harness.message("m1", to: "bob")
            await harness.coordinator.handle(first)
            await harness.coordinator.handle(again)
            try await eventually("the push") { harness.gateway.pushes(of: "m1") == 1 && harness.clock.sleeping == 1 }
            await harness.coordinator.handle(harness.clientAck("m1", by: "bob"))
            try await eventually("both records to be resolved") { harness.isResolved(first) && harness.isResolved(again) }
            #expect(harness.gateway.pushes(of: "m1") == 1)
        }
    }

    /// Kafka does not order topics against each other: a stored copy sent out because bob
    /// connected can arrive before that CONNECTED. It waits for it instead of calling bob
    /// offline.
    @Test func aStoredCopyWaitsForTheConnectionEventThatSentItOut() async throws {
        try await withConnectedBob { harness in
            // bob moved: his socket on gateway 1 is gone, the CONNECTED from gateway 2 is late.
            harness.gateway.answer(.answered(.noConnection), at: Self.gateway1)
            let connectedAt: UInt64 = 1_800_000_000_000
            let copy = harness.message("m1", to: "bob", headers: Self.storedCopyHeaders(connectedAt: connectedAt))
            await harness.coordinator.handle(copy)
            try await eventually("the connection wait to start") { harness.clock.sleeping == 1 }
            #expect(harness.gateway.pushes(of: "m1") == 1, "tried once on the socket known so far")
            #expect(harness.offlineCount == 0, "stored although bob's newer CONNECTED was still on its way")

            await harness.coordinator.handle(
                harness.connected("bob", at: "http://gateway-2:9000", timestamp: connectedAt, connectionId: "c2"))
            try await eventually("the push to bob's new socket") {
                harness.gateway.pushes.contains(.init(user: "bob", messageId: "m1", url: "http://gateway-2:9000"))
            }
            #expect(harness.offlineCount == 0)
            await harness.coordinator.handle(harness.clientAck("m1", by: "bob"))
            try await eventually("the copy to be resolved by the ack") { harness.isResolved(copy) }
            // A stored copy's ack goes on to persistence, which deletes the copy.
            let handedOn = try await harness.offlineRecords(1)
            #expect(handedOn.first?.headers.value(for: RecordHeaders.storedCopy) == nil)
        }
    }

    @Test func aStoredCopyWhoseConnectionEventNeverComesIsStoredAfterTheWait() async throws {
        try await withConnectedBob(sessionFlags: ["--connection-wait-ms", "5000"]) { harness in
            harness.gateway.answer(.answered(.noConnection), at: Self.gateway1)
            let copy = harness.message("m1", to: "bob", headers: Self.storedCopyHeaders(connectedAt: 1_800_000_000_000))
            await harness.coordinator.handle(copy)
            try await eventually("the connection wait to start") { harness.clock.sleeping == 1 }
            #expect(harness.offlineCount == 0)
            harness.clock.advance(by: .seconds(5))
            let stored = try await harness.offlineRecords(1)
            #expect(stored.first?.headers.value(for: RecordHeaders.storedCopy) == "true", "persistence must know it came round once")
            try await eventually("the record to be resolved once stored") { harness.isResolved(copy) }
        }
    }

    @Test func undecodableRecordsAreDeadLetteredAndResolved() async throws {
        try await withConnectedBob { harness in
            let records = [
                harness.garbage(on: harness.topics.sendMessageTopic), harness.garbage(on: harness.topics.clientAckTopic),
                harness.garbage(on: harness.topics.userConnectionStateTopic),
            ]
            for record in records { await harness.coordinator.handle(record) }
            let dead = try RecordCollector(topics: [harness.topics.deadLetterTopic])
            let parked = try await dead.wait(for: 3, on: harness.topics.deadLetterTopic)
            await dead.close()
            #expect(Set(parked.compactMap { $0.headers.value(for: RecordHeaders.deadLetterSource) }).count == 3)
            #expect(records.allSatisfy(harness.isResolved))
            #expect(harness.gateway.pushes.isEmpty)
        }
    }

    private static func storedCopyHeaders(connectedAt: UInt64) -> [BrokerHeader] {
        [
            BrokerHeader(name: RecordHeaders.storedCopy, string: "true"),
            BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: "\(connectedAt)"),
        ]
    }
}
