import Broker
import Foundation
import TestSupport
import XCTest

/// Back-pressure pauses fetching when too much is unresolved, except for topics whose
/// records finish work (acks): those keep flowing, or nothing could ever drain.
final class BackPressureTests: XCTestCase {
    func testAPausedConsumerStillReadsItsAlwaysFetchedTopics() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let work = try await makeTopic(partitions: 1)
        let acks = try await makeTopic(partitions: 1)
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<5 { try await producer.send(topic: work, key: "k", value: Data("w\(index)".utf8)) }

        var options = ConsumerOptions()
        options.maxInFlight = 5
        options.alwaysFetchedTopics = [acks]
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("group"), topics: [work, acks],
            logger: TestStack.logger, options: options)
        let collector = RecordCollector(consumer, resolvingEach: false)
        _ = try await collector.wait(for: 5)  // five unresolved: fetching of `work` pauses

        for index in 0..<3 { try await producer.send(topic: acks, key: "k", value: Data("a\(index)".utf8)) }
        for index in 5..<8 { try await producer.send(topic: work, key: "k", value: Data("w\(index)".utf8)) }
        try await eventually("the acks to arrive while work is paused") {
            collector.records.filter { $0.topic == acks }.count == 3
        }
        XCTAssertEqual(collector.records.filter { $0.topic == work }.count, 5, "work stays paused")

        // Resolving the backlog resumes work.
        for message in collector.records { consumer.resolve(message) }
        try await eventually("the paused work to arrive once resolved") {
            collector.records.filter { $0.topic == work }.count == 8
        }
        // Resolved, the last records do not hold up close() for its whole drain timeout.
        for message in collector.records.filter({ $0.topic == work }).suffix(3) { consumer.resolve(message) }
        await producer.close()
        await consumer.close()
    }
}
