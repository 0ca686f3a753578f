import Broker
import ChatProtocol
import Contracts
import Foundation
import ServiceKit
import TestSupport
import XCTest

/// Kafka orders records within a partition, not across topics: session-ms can read a
/// stored copy that persistence sent out on a CONNECTED before it reads that CONNECTED on
/// `user-connection-state`. Calling the recipient offline then put the copy back in
/// storage until the next connect (seen as an intermittent redelivery-on-reconnect
/// timeout after the crash tests). The copy must wait for the event instead.
final class ConnectionOrderTests: XCTestCase {
    func testAStoredCopyReadBeforeItsConnectedEventWaitsForItAndIsDelivered() async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let bobKey = try await TestStack.login(bob)
        let waitsEndedByEvent = try await Self.connectionWaits(endedBy: "event")

        // What persistence publishes on bob's CONNECTED, put on the topic before that
        // event exists: the order the race produces, made certain.
        let connectedAt = UInt64(Date().timeIntervalSince1970 * 1000)
        let message = ChatMessage(
            id: "before-connected", type: .message, channel: .individual, source: alice, destination: bob,
            content: Data(#"{"text":"stored while you were away"}"#.utf8), timestamp: connectedAt,
            meta: ["contentType": "TEXT", "chatid": alice], serverId: UUID().uuidString, serverTimestamp: connectedAt)
        let producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        _ = try await producer.enqueue(
            topic: "send-message", key: bob, value: message.protobufData(),
            headers: [
                BrokerHeader(name: RecordHeaders.storedCopy, string: "true"),
                BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: String(connectedAt)),
            ]
        ).stored()
        await producer.close()
        try await eventually("session-ms to hold the copy for bob's connection event") {
            try await ServiceMetrics.value(named: "session_deliveries_awaiting_connection", of: "session-ms") >= 1
        }

        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { recipient.close() }
        let received = try await recipient.waitForFrame("the stored copy") { $0.id == "before-connected" }
        XCTAssertEqual(received.text, "stored while you were away")
        let waitsEndedNow = try await Self.connectionWaits(endedBy: "event")
        XCTAssertGreaterThan(waitsEndedNow, waitsEndedByEvent, "the copy went out on a timeout, not on the event")
    }

    private static func connectionWaits(endedBy reason: String) async throws -> Double {
        try await ServiceMetrics.value(named: "session_connection_waits_total", label: "ended_by=\"\(reason)\"", of: "session-ms")
    }
}
