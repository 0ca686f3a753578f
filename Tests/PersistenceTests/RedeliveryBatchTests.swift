import Broker
import ChatProtocol
import Contracts
import Foundation
import ServiceKit
import TestSupport
import XCTest

@testable import Persistence

/// CONNECTED events handled in batches: a store lookup per slice of a batch's users, then
/// reads only for the users it names.
final class RedeliveryBatchTests: XCTestCase {
    func testABatchOfAThousandConnectsTakesAFewLookupsAndRedeliversOnlyWhatIsStored() async throws {
        let bench = try await RedeliveryBench()
        try await bench.test.store.store([
            stored(offlineMessage("a1", to: "user-17", at: 100), sequence: 1),
            stored(offlineMessage("a2", to: "user-17", at: 200), sequence: 2),
            stored(offlineMessage("b1", to: "user-500"), sequence: 3),
            stored(offlineMessage("c1", to: "user-999"), sequence: 4),
            stored(offlineMessage("z1", to: "user-1000"), sequence: 5),
        ])
        let records = try await bench.records((0..<1000).map { connection("user-\($0)") })
        await bench.handleTogether(records)

        XCTAssertEqual(Set(bench.resolvedOffsets), Set(records.map(\.offset)), "every record resolved")
        XCTAssertEqual(bench.redelivery.storeQueries, lookups(for: 1000) + 3, "the lookups, then one page per user with messages")
        let sent = try await bench.published(on: bench.sendMessageTopic)
        XCTAssertEqual(try ids(sent), ["user-17": ["a1", "a2"], "user-500": ["b1"], "user-999": ["c1"]])
        XCTAssertEqual(Set(sent.map { $0.headers.value(for: RecordHeaders.storedCopy) }), ["true"])
        await bench.close()
    }

    func testMoreThanABatchFullIsHandledWhole() async throws {
        let bench = try await RedeliveryBench()
        let count = Redelivery.maxBatch + 5
        try await bench.test.store.store([stored(offlineMessage("last", to: "user-\(count - 1)"), sequence: 1)])
        let records = try await bench.records((0..<count).map { connection("user-\($0)") })
        await bench.handleTogether(records)

        XCTAssertEqual(bench.resolvedOffsets.count, count)
        XCTAssertEqual(bench.redelivery.storeQueries, lookups(for: Redelivery.maxBatch) + lookups(for: 5) + 1)
        let sent = try await bench.published(on: bench.sendMessageTopic)
        XCTAssertEqual(try ids(sent), ["user-\(count - 1)": ["last"]])
        await bench.close()
    }

    func testAUserWhoConnectsSeveralTimesInOneBatchGetsEachMessageOnce() async throws {
        let bench = try await RedeliveryBench()
        try await bench.test.store.store([
            stored(offlineMessage("m1", at: 100), sequence: 1),
            stored(offlineMessage("m2", at: 200), sequence: 2),
            stored(offlineMessage("n1", to: "carol"), sequence: 3),
        ])
        let records = try await bench.records([
            connection("bob", id: "phone"),
            connection("carol"),
            connection("bob", id: "laptop"),
            connection("bob", .disconnected, id: "phone"),
            connection("bob", id: "phone"),
        ])
        await bench.handleTogether(records)

        XCTAssertEqual(bench.resolvedOffsets.count, 5)
        XCTAssertEqual(bench.redelivery.storeQueries, lookups(for: 2) + 2)
        let sent = try await bench.published(on: bench.sendMessageTopic)
        XCTAssertEqual(try ids(sent), ["bob": ["m1", "m2"], "carol": ["n1"]])
        // Each copy carries the track id of the record that brought the message.
        XCTAssertEqual(Set(sent.map { TrackId.of($0) }), ["track-m1", "track-m2", "track-n1"])
        await bench.close()
    }

    func testUndecodableRecordsInABatchAreDeadLetteredAndTheOthersGoOn() async throws {
        let bench = try await RedeliveryBench()
        try await bench.test.store.store([
            stored(offlineMessage("m1"), sequence: 1),
            stored(offlineMessage("n1", to: "carol"), sequence: 2),
        ])
        let records = try await bench.records([
            connection("bob"),
            Data("garbage".utf8),
            connection(""),
            connection("carol"),
        ])
        await bench.handleTogether(records)

        XCTAssertEqual(Set(bench.resolvedOffsets), Set(records.map(\.offset)), "dead-lettered records are resolved too")
        let sent = try await bench.published(on: bench.sendMessageTopic)
        XCTAssertEqual(try ids(sent), ["bob": ["m1"], "carol": ["n1"]])
        let dead = try await bench.published(on: bench.deadLetterTopic)
        XCTAssertEqual(dead.map(\.value), [records[1].value, records[2].value])
        let reasons = dead.compactMap { $0.headers.value(for: "dead-letter-reason") }
        XCTAssertEqual(reasons.count, 2)
        XCTAssertEqual(reasons.last, "connection state without user")
        await bench.close()
    }

    /// Through the real consumer, as the service runs: batches form from whatever queued
    /// up while the previous one ran.
    func testABurstOfConnectsThroughTheConsumerTakesFewStoreReads() async throws {
        let harness = try await WorkersHarness()
        let outputs = try RecordCollector(topics: [harness.topics.sendMessageTopic])
        try await harness.test.store.store([
            stored(offlineMessage("a1", to: "user-17"), sequence: 1),
            stored(offlineMessage("b1", to: "user-900"), sequence: 2),
            stored(offlineMessage("c1", to: "user-1999"), sequence: 3),
        ])
        // Users who stay away hold most of the collection, as they do in production.
        try await harness.test.store.store(
            (0..<3000).map { stored(offlineMessage("x\($0)", to: "away-\($0 % 500)"), sequence: 10 + Int64($0)) })
        let count = 2000
        let start = ContinuousClock.now
        var receipts: [ProduceReceipt] = []
        for index in 0..<count {
            let event = ConnectionState(
                user: "user-\(index)", state: .connected, gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1",
                connectionId: "c-\(index)", timestamp: 1)
            receipts.append(
                try await harness.producer.enqueue(event, topic: harness.topics.userConnectionStateTopic, trackId: "t-\(index)"))
        }
        for receipt in receipts { _ = try await receipt.stored() }
        try await harness.waitUntilResolved(count, timeout: .seconds(120))
        let queries = harness.workers.redelivery.storeQueries
        // For information only, as in the writer's burst test.
        print("redelivery: \(count) connects handled in \(ContinuousClock.now - start) with \(queries) store reads")

        let sent = try await outputs.wait(for: 3, on: harness.topics.sendMessageTopic)
        XCTAssertEqual(Set(sent.compactMap(\.key)), ["user-17", "user-900", "user-1999"])
        XCTAssertLessThan(queries, count / 10, "store reads should be per batch, not per event")
        await outputs.close()
        await harness.close()
    }

    private func lookups(for users: Int) -> Int {
        (users + OfflineStore.usersPerLookup - 1) / OfflineStore.usersPerLookup
    }

    /// Message ids per recipient, in the order published.
    private func ids(_ records: [ConsumedMessage]) throws -> [String: [String]] {
        var ids: [String: [String]] = [:]
        for record in records {
            ids[record.key ?? "", default: []].append(try ChatMessage(protobuf: record.value).id)
        }
        return ids
    }
}
