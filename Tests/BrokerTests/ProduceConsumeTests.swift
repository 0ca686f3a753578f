import Broker
import Foundation
import TestSupport
import XCTest

final class ProduceConsumeTests: XCTestCase {
    func testRecordsArriveWithTheirKeysHeadersAndValues() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 3)
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        var reports: [String: RecordPosition] = [:]
        for index in 0..<12 {
            let key = "user-\(index % 4)"
            reports["value-\(index)"] = try await producer.send(
                topic: topic, key: key, value: Data("value-\(index)".utf8),
                headers: [BrokerHeader(name: "track-id", string: "track-\(index)")])
        }
        await producer.close()

        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("group"), topics: [topic], logger: TestStack.logger)
        let collector = RecordCollector(consumer, resolvingEach: true)
        let messages = try await collector.wait(for: 12)
        await consumer.close()

        XCTAssertEqual(messages.count, 12)
        var partitionOfKey: [String: Int32] = [:]
        for message in messages {
            let value = String(decoding: message.value, as: UTF8.self)
            let index = Int(value.dropFirst("value-".count))!
            XCTAssertEqual(message.key, "user-\(index % 4)")
            XCTAssertEqual(message.headers.value(for: "track-id"), "track-\(index)")
            XCTAssertEqual(message.topic, topic)
            XCTAssertEqual(reports[value]?.partition, message.partition)
            XCTAssertEqual(reports[value]?.offset, message.offset)
            // Keyed partitioning: one key always lands in one partition.
            if let known = partitionOfKey[message.key!] { XCTAssertEqual(known, message.partition) }
            partitionOfKey[message.key!] = message.partition
        }
    }

    func testSendToAnUnknownBrokerFailsInsteadOfHanging() async throws {
        var configuration = BrokerConfiguration(bootstrapServers: "127.0.0.1:1", clientId: "broker-tests")
        configuration.extraProperties["message.timeout.ms"] = "1500"
        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        do {
            try await producer.send(topic: "nowhere", key: "k", value: Data("v".utf8))
            XCTFail("a record no broker acknowledged was reported as sent")
        } catch let error as BrokerError {
            XCTAssertEqual(error.kind, .produce)
        }
        await producer.close(timeout: .seconds(1))
    }

    func testCreatingTopicsTwiceIsHarmless() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let admin = TopicAdmin(configuration: configuration, logger: TestStack.logger)
        let topic = TestStack.uniqueName("admin-topic")
        try await admin.createTopics([TopicSpec(name: topic, partitions: 6)])
        try await admin.createTopics([TopicSpec(name: topic, partitions: 6)])
        let partitions = try await admin.partitionCount(of: topic)
        XCTAssertEqual(partitions, 6)
    }
}
