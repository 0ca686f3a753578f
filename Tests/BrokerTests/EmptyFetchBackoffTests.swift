import Broker
import Foundation
import TestSupport
import XCTest

/// Against the real local broker, which answers empty fetches at once: a consumer that
/// never pauses (idle pausing off) still does not loop on empty answers, because its
/// fetcher waits after each one, and it gets every record once.
final class EmptyFetchBackoffTests: XCTestCase {
    func testTheFetcherWaitsAfterEmptyAnswersAndStillGetsEveryRecord() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 2)
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        let backoff = Duration.milliseconds(5)
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("group"), topics: [topic], logger: TestStack.logger,
            options: ConsumerOptions(idleFetchPause: .zero, emptyFetchBackoff: backoff))
        let collector = RecordCollector(consumer, resolvingEach: true)
        try await eventually("the consumer to join") { consumer.hasJoinedGroup }

        try await eventually("a fetch count") { consumer.fetchStatistics.fetchRequests > 0 }
        let (before, after) = try await fetchStatistics(of: consumer, over: .seconds(3))
        let fetches = after.fetchRequests - before.fetchRequests
        // At most one fetch per 5 ms wait: 600 in 3 s (spinning, thousands).
        XCTAssertLessThan(fetches, 700, "a consumer with nothing to fetch fetched \(fetches) times in 3 s")
        XCTAssertGreaterThan(fetches, 100, "the consumer stopped fetching altogether")
        XCTAssertGreaterThan(after.emptyFetchWaits - before.emptyFetchWaits, 100, "the empty answers were not waited on")

        // Records still arrive, each once and in order per key, in bursts and one by one.
        let count = 200
        for index in 0..<count {
            _ = try await producer.enqueue(topic: topic, key: "key-\(index % 3)", value: Data("record-\(index)".utf8))
            if index % 20 == 19 { try await Task.sleep(for: .milliseconds(30)) }
        }
        await producer.close()
        try await eventually(timeout: .seconds(30), "all \(count) records") { collector.count >= count }
        await consumer.close()
        let values = collector.records.map { String(decoding: $0.value, as: UTF8.self) }
        XCTAssertEqual(values.count, count, "records handed out more than once")
        for key in 0..<3 {
            let expected = (0..<count).filter { $0 % 3 == key }.map { "record-\($0)" }
            XCTAssertEqual(values.filter { expected.contains($0) }, expected, "key-\(key) out of order or missing")
        }
    }
}
