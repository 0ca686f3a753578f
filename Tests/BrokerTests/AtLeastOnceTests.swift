import Broker
import Foundation
import TestSupport
import XCTest

final class AtLeastOnceTests: XCTestCase {
    func testAMessageLeftUnresolvedIsDeliveredAgainAfterRestart() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 1)
        let group = TestStack.uniqueName("group")
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<5 {
            try await producer.send(topic: topic, key: "k", value: Data("m\(index)".utf8))
        }
        await producer.close()

        let first = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let firstCollector = RecordCollector(first, resolvingEach: false)
        let firstBatch = try await firstCollector.wait(for: 5)
        first.resolve(firstBatch[0])
        first.resolve(firstBatch[1])
        // The process "dies" with m2...m4 still being handled.
        await first.close(drainTimeout: .zero)

        let second = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let secondCollector = RecordCollector(second, resolvingEach: true)
        let secondBatch = try await secondCollector.wait(for: 3)
        await second.close()
        XCTAssertEqual(secondBatch.map { String(decoding: $0.value, as: UTF8.self) }, ["m2", "m3", "m4"])
    }

    func testTheCommittedOffsetNeverPassesAnUnresolvedMessage() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 1)
        let group = TestStack.uniqueName("group")
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<10 {
            try await producer.send(topic: topic, key: "k", value: Data("m\(index)".utf8))
        }
        await producer.close()

        let consumer = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let collector = RecordCollector(consumer, resolvingEach: false)
        let messages = try await collector.wait(for: 10)
        // Handlers finish out of order; the one for m3 is still running.
        for message in messages.reversed() where message.offset != messages[3].offset {
            consumer.resolve(message)
        }
        let partition = TopicPartition(topic: topic, partition: 0)
        // A commit may come before the handlers above finished (offset 0: nothing resolved
        // yet); the commit must then reach m3 and stop there. Past it, it never equals it.
        try await eventually("the commit to reach m3") {
            try await consumer.committedOffset(partition) == messages[3].offset
        }

        consumer.resolve(messages[3])
        try await eventually("the commit to move past m9") {
            try await consumer.committedOffset(partition) == messages[9].offset + 1
        }
        await consumer.close()
    }

    func testCloseCommitsWhatWasResolved() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 1)
        let group = TestStack.uniqueName("group")
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<3 {
            try await producer.send(topic: topic, key: "k", value: Data("m\(index)".utf8))
        }
        var options = ConsumerOptions()
        // Only the close itself can commit in this test.
        options.commitInterval = .seconds(3600)
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger, options: options)
        let collector = RecordCollector(consumer, resolvingEach: true)
        _ = try await collector.wait(for: 3)
        await consumer.close()

        try await producer.send(topic: topic, key: "k", value: Data("m3".utf8))
        await producer.close()
        let next = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let nextCollector = RecordCollector(next, resolvingEach: true)
        let rest = try await nextCollector.wait(for: 1)
        await next.close()
        XCTAssertEqual(rest.map { String(decoding: $0.value, as: UTF8.self) }, ["m3"])
    }
}
