import Broker
import ChatProtocol
import Foundation
import TestSupport
import ServiceKit
import XCTest

@testable import Persistence

/// The offline path against the real broker and database.
final class OfflineWriterTests: XCTestCase {
    func testMessagesAreStoredOnceEphemeralOnesNeverAndAcksDelete() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.deadLetterTopic])
        try await harness.sendOffline(offlineMessage("m1", at: 100))
        try await harness.sendOffline(offlineMessage("m2", at: 200))
        try await harness.sendOffline(offlineMessage("m1", at: 100))
        try await harness.sendOffline(offlineMessage("typing", ephemeral: true))
        try await harness.sendOffline(bytes: Data("garbage".utf8), key: "bob")
        try await harness.sendOffline(offlineMessage("m3", at: 300), key: "")
        try await harness.sendOffline(acknowledgement(of: "m1", by: "bob"), key: "bob")
        try await harness.sendOffline(offlineMessage("m4", at: 400))
        // A group copy: stored for the member it is keyed by, not the group.
        try await harness.sendOffline(offlineMessage("g1", to: "group-7", at: 500), key: "bob")
        try await harness.waitUntilResolved(9)

        let bob = try await harness.test.all(of: "bob")
        XCTAssertEqual(bob.map(\.message.id), ["m2", "m4", "g1"])
        let total = try await harness.test.store.collection.count()
        XCTAssertEqual(total, 3)
        let dead = try await outputs.wait(for: 2, on: harness.topics.deadLetterTopic)
        let reasons = dead.compactMap { $0.headers.value(for: "dead-letter-reason") }.sorted()
        XCTAssertEqual(reasons.count, 2)
        XCTAssertTrue(reasons.first?.hasPrefix("invalid protobuf message") == true, "\(reasons)")
        XCTAssertEqual(reasons.last, "missing recipient key")
        await outputs.close()
        await harness.close()
    }

    func testABurstOfSixThousandMessagesIsStoredCompletely() async throws {
        let harness = try await WorkersHarness()
        let count = 6_000
        // Many senders to many recipients, produced up front so the measurement is the storing.
        var receipts: [ProduceReceipt] = []
        for index in 0..<count {
            let message = offlineMessage("m\(index)", from: "sender-\(index % 50)", to: "user-\(index % 200)")
            receipts.append(
                try await harness.producer.enqueue(
                    topic: harness.topics.offlineMessageTopic, key: message.destination, value: message.protobufData()))
        }
        for receipt in receipts { _ = try await receipt.stored() }
        try await harness.waitUntilResolved(1)
        let start = ContinuousClock.now
        try await harness.waitUntilResolved(count, timeout: .seconds(60))
        let elapsed = ContinuousClock.now - start
        let perSecond = Double(count - 1) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print("offline path: \(count) messages stored at \(Int(perSecond)) messages/s")
        let stored = try await harness.test.store.collection.count()
        // The rate is printed for information only; speed targets are measured by the
        // benchmark tools, not asserted in tests that share a machine with builds.
        XCTAssertEqual(stored, count)
        await harness.close()
    }
}
