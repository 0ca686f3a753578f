import Broker
import ChatProtocol
import Contracts
import Foundation
import TestSupport
import ServiceKit
import XCTest

@testable import Persistence

final class RedeliveryTests: XCTestCase {
    func testConnectingRepublishesTheUsersStoredMessagesOldestFirstAndKeepsThem() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.sendMessageTopic])
        try await harness.test.store.store([
            stored(offlineMessage("late", at: 300), sequence: 1),
            stored(offlineMessage("early", at: 100), sequence: 2),
            stored(offlineMessage("middle-2", at: 200), sequence: 4),
            stored(offlineMessage("middle-1", at: 200), sequence: 3),
            stored(offlineMessage("for-dave", to: "dave"), sequence: 5),
        ])
        try await harness.sendConnection("dave", .disconnected)
        try await harness.sendConnection("carol", .connected)
        try await harness.sendConnection("bob", .connected)
        try await harness.waitUntilResolved(3)

        let sent = try await outputs.wait(for: 4, on: harness.topics.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["early", "middle-1", "middle-2", "late"])
        XCTAssertEqual(Set(sent.map(\.key)), ["bob"])
        XCTAssertEqual(sent.map { $0.headers.value(for: RecordHeaders.storedCopy) }, Array(repeating: "true", count: 4))
        XCTAssertEqual(sent.map { TrackId.of($0) }, ["track-early", "track-middle-1", "track-middle-2", "track-late"])
        let stored = try await harness.test.store.collection.count()
        XCTAssertEqual(stored, 5, "redelivered messages stay until acked")

        // Connecting again (another device) delivers them again: they are still not acked.
        try await harness.sendConnection("bob", .connected)
        _ = try await outputs.wait(for: 8, on: harness.topics.sendMessageTopic)
        await outputs.close()
        await harness.close()
    }

    func testABacklogLongerThanOnePageIsRedeliveredWhole() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.sendMessageTopic])
        let count = Redelivery.pageSize * 2 + 7
        try await harness.test.store.store(
            (0..<count).map { stored(offlineMessage("m\($0)", at: 1_000 + UInt64($0)), sequence: Int64($0)) })
        try await harness.sendConnection("bob", .connected)
        let sent = try await outputs.wait(for: count, on: harness.topics.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, (0..<count).map { "m\($0)" })
        await outputs.close()
        await harness.close()
    }

    /// The connect-time race: a message stored after its recipient's CONNECTED was handled
    /// would otherwise wait for the next connect.
    func testAMessageStoredWhileItsRecipientIsConnectedGoesOutAtOnceButAStoredCopyDoesNotLoop() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.sendMessageTopic])
        try await harness.sendConnection("bob", .connected)
        try await harness.waitUntilResolved(1)
        try await harness.sendOffline(offlineMessage("m1", at: 100))
        // Came round once already (redelivered, not acked): stored, not sent out again.
        try await harness.sendOffline(offlineMessage("m2", at: 200), storedCopy: true)
        // Reached bob's connection but was never acked: stored for the next connect.
        try await harness.sendOffline(offlineMessage("m2b", at: 250), unacknowledged: true)
        try await harness.waitUntilResolved(4)
        try await harness.sendConnection("bob", .disconnected)
        try await harness.waitUntilResolved(5)
        try await harness.sendOffline(offlineMessage("m3", at: 300))
        try await harness.waitUntilResolved(6)
        try await harness.sendConnection("bob", .connected)
        try await harness.waitUntilResolved(7)
        try await harness.sendOffline(offlineMessage("m4", at: 400))

        // All of bob's outputs share one partition, so their order is the order they were
        // sent: a forwarded m2 or m2b, or an m3 forwarded while bob was away, would show up before m4.
        let sent = try await outputs.wait(for: 6, on: harness.topics.sendMessageTopic)
        let expected = ["m1", "m1", "m2", "m2b", "m3", "m4"]
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, expected)
        XCTAssertEqual(sent.map { $0.headers.value(for: RecordHeaders.storedCopy) }, Array(repeating: "true", count: 6))
        await outputs.close()
        await harness.close()
    }

    /// bob's gateway died (no DISCONNECTED) and he reconnected elsewhere: a copy that was
    /// sent out for the dead socket and came back after the reconnect's redelivery read
    /// the store goes out again at once; one sent for his newest connection does not loop.
    func testAStoredCopySentForAnOlderConnectionGoesOutAgainAfterAReconnect() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.sendMessageTopic])
        try await harness.sendConnection("bob", .connected, connectionId: "c-1", timestamp: 1_000)
        try await harness.sendConnection("bob", .connected, connectionId: "c-2", timestamp: 2_000)
        try await harness.waitUntilResolved(2)
        try await harness.sendOffline(offlineMessage("m1", at: 100), storedCopy: true, sentForConnectionAt: 1_000)
        try await harness.sendOffline(offlineMessage("m2", at: 200), storedCopy: true, sentForConnectionAt: 2_000)
        try await harness.sendOffline(offlineMessage("m2b", at: 250), storedCopy: true)
        try await harness.sendOffline(offlineMessage("m3", at: 300))
        let sent = try await outputs.wait(for: 2, on: harness.topics.sendMessageTopic)
        try await harness.waitUntilResolved(6)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["m1", "m3"])
        XCTAssertEqual(sent.first?.headers.value(for: RecordHeaders.recipientConnectedAt), "2000")
        await outputs.close()
        await harness.close()
    }
}
