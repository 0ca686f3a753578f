import Broker
import Foundation
import TestSupport
import XCTest

/// The purger against the real local broker: it drops a partition's records only up to
/// the lowest offset the groups reading it have committed, and nothing of a partition a
/// group holds without a commit.
final class ConsumedRecordsPurgeTests: XCTestCase {
    func testRecordsGoOnlyOnceEveryGroupReadingThemCommittedPast() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        let admin = try ConsumerGroupAdmin(configuration: configuration, logger: TestStack.logger)
        defer { admin.close() }
        let purger = ConsumedRecordsPurger(admin: admin, logger: TestStack.logger)

        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<20 { try await producer.send(topic: topic, key: "k", value: Data("record-\(index)".utf8)) }
        await producer.close()

        // "done" reads and commits all 20; "holding" is handed them but resolves none.
        let done = try BrokerConsumer(configuration: configuration, groupId: TestStack.uniqueName("done"), topics: [topic], logger: TestStack.logger)
        let doneRecords = RecordCollector(done, resolvingEach: true)
        let holding = try BrokerConsumer(configuration: configuration, groupId: TestStack.uniqueName("holding"), topics: [topic], logger: TestStack.logger)
        let holdingRecords = RecordCollector(holding, resolvingEach: false)
        _ = try await doneRecords.wait(for: 20)
        _ = try await holdingRecords.wait(for: 20)
        try await eventually("the first group's commit") { try await done.committedOffset(partition) == 20 }

        try await purgeUntilNoGroupRebalances(purger)
        XCTAssertEqual(try admin.watermarks(of: partition).first, 0, "records a group holds without a commit were dropped")

        // Once the second group has handled 8, the first 8 may go, and no more.
        for record in holdingRecords.records.prefix(8) { holding.resolve(record) }
        try await eventually("the second group's commit") { try await holding.committedOffset(partition) == 8 }
        try await purgeUntilNoGroupRebalances(purger)
        XCTAssertEqual(try admin.watermarks(of: partition).first, 8)
        XCTAssertEqual(try admin.watermarks(of: partition).next, 20)

        // A group that joins now reads from where the records start.
        let late = try RecordCollector(topics: [topic])
        let lateRecords = try await late.wait(for: 12)
        XCTAssertEqual(lateRecords.map { String(decoding: $0.value, as: UTF8.self) }, (8..<20).map { "record-\($0)" })
        await late.close()
        await doneRecords.close()
        await holdingRecords.close()
    }

    /// Other tests' groups may be rebalancing at any moment, and then a round plans nothing.
    private func purgeUntilNoGroupRebalances(_ purger: ConsumedRecordsPurger) async throws {
        try await eventually(timeout: .seconds(30), "a purge round with no group rebalancing") {
            try await !purger.purgeOnce().waitedForRebalance
        }
    }
}
