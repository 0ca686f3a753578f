import Broker
import Foundation
import TestSupport
import XCTest

/// Back-pressure pauses fetching when too much is unresolved, except for topics whose
/// records finish work (acks): those keep flowing, or nothing could ever drain.
final class BackPressureTests: XCTestCase {
    func testAPausedConsumerStillReadsItsAlwaysFetchedTopics() async throws {
        let configuration = try testBrokerConfiguration()
        let work = try await makeTopic(partitions: 1, configuration: configuration)
        let acks = try await makeTopic(partitions: 1, configuration: configuration)
        let producer = try BrokerProducer(configuration: configuration, logger: testLogger)
        for index in 0..<5 { try await producer.send(topic: work, key: "k", value: Data("w\(index)".utf8)) }

        var options = ConsumerOptions()
        options.maxInFlight = 5
        options.alwaysFetchedTopics = [acks]
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: uniqueName("group"), topics: [work, acks], logger: testLogger, options: options)
        let collector = MessageCollector(consumer, resolveEach: false)
        _ = try await collector.waitForCount(5)  // five unresolved: fetching of `work` pauses

        for index in 0..<3 { try await producer.send(topic: acks, key: "k", value: Data("a\(index)".utf8)) }
        for index in 5..<8 { try await producer.send(topic: work, key: "k", value: Data("w\(index)".utf8)) }
        try await eventually("the acks to arrive while work is paused") {
            collector.messages.filter { $0.topic == acks }.count == 3
        }
        XCTAssertEqual(collector.messages.filter { $0.topic == work }.count, 5, "work stays paused")

        // Resolving the backlog resumes work.
        for message in collector.messages { consumer.resolve(message) }
        try await eventually("the paused work to arrive once resolved") {
            collector.messages.filter { $0.topic == work }.count == 8
        }
        // Resolved, the last records do not hold up close() for its whole drain timeout.
        for message in collector.messages.filter({ $0.topic == work }).suffix(3) { consumer.resolve(message) }
        await producer.close()
        await consumer.close()
    }
}
