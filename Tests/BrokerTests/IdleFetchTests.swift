import Broker
import Foundation
import TestSupport
import XCTest

/// Against the real local broker, which answers empty fetches at once: an idle consumer
/// pauses and probes instead of fetching in a loop, and still sees a new record quickly.
final class IdleFetchTests: XCTestCase {
    func testAnIdleConsumerStopsFetchingAndWakesForANewRecord() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 2)
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        try await producer.send(topic: topic, key: "k", value: Data("first".utf8))
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("group"), topics: [topic], logger: TestStack.logger)
        let collector = RecordCollector(consumer, resolvingEach: true)
        _ = try await collector.wait(for: 1)

        try await eventually("the consumer to pause") { consumer.fetchStatistics.idlePauses > 0 }
        let (before, after) = try await fetchStatistics(of: consumer, over: .seconds(3))
        let fetches = after.fetchRequests - before.fetchRequests
        XCTAssertLessThan(fetches, 30, "an idle consumer fetched \(fetches) times in 3 s")
        XCTAssertGreaterThan(after.probes - before.probes, 30, "an idle consumer must keep probing (every 20 ms)")

        var latencies: [Duration] = []
        for round in 0..<5 {
            try await eventually("the consumer to pause again") { consumer.fetchStatistics.isIdle }
            try await Task.sleep(for: .milliseconds(300))
            let sent = ContinuousClock.now
            try await producer.send(topic: topic, key: "key-\(round)", value: Data("late-\(round)".utf8))
            try await eventually("record \(round)") { collector.count >= 2 + round }
            latencies.append(ContinuousClock.now - sent)
        }
        // librdkafka alone would leave a resumed partition unfetched for up to 1 s.
        XCTAssertLessThan(latencies.sorted()[2], .milliseconds(200), "\(latencies)")
        await producer.close()
        await consumer.close()
    }
}
