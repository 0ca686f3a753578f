import Broker
import Foundation
import TestSupport
import XCTest

/// Busy pacing against the real local broker: between fetch rounds the consumer pauses
/// and then resumes with a wake-up of librdkafka's fetcher; partitions that never got a
/// record are woken by a query sent off the poll thread (BackgroundWakeUps).
final class BusyFetchPacingTests: XCTestCase {
    func testAPacedConsumerGetsEveryRecordOnceAndClosesCleanly() async throws {
        let configuration = try TestStack.brokerConfiguration()
        // One key: every record lands in one of the four partitions, and the other three
        // are woken by the background query on every round.
        let topic = try await makeTopic(partitions: 4)
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("group"), topics: [topic], logger: TestStack.logger,
            options: ConsumerOptions(busyFetchPace: .milliseconds(2)))
        let collector = RecordCollector(consumer, resolvingEach: true)
        try await eventually("the consumer to join") { consumer.hasJoinedGroup }

        // A record every ~5 ms keeps the consumer busy (it goes idle after 20 ms without one).
        let count = 300
        for index in 0..<count {
            _ = try await producer.enqueue(topic: topic, key: "one-key", value: Data("record-\(index)".utf8))
            if index % 5 == 4 { try await Task.sleep(for: .milliseconds(25)) }
        }
        await producer.close()
        try await eventually(timeout: .seconds(30), "all \(count) records") { collector.count >= count }
        XCTAssertGreaterThan(consumer.fetchStatistics.pacedRounds, 10, "the consumer never paced its fetch rounds")

        // Closing waits for a wake-up query still out; what was handed out is final.
        await consumer.close()
        let values = collector.records.map { String(decoding: $0.value, as: UTF8.self) }
        XCTAssertEqual(values.count, count, "records handed out more than once")
        XCTAssertEqual(values, (0..<count).map { "record-\($0)" }, "records out of order or missing")
    }
}
