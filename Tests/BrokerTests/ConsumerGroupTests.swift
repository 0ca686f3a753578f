import Broker
import Foundation
import TestSupport
import XCTest

final class ConsumerGroupTests: XCTestCase {
    func testMembersSplitThePartitionsAndALeavingMembersPartitionsMove() async throws {
        let configuration = try TestStack.brokerConfiguration()
        let topic = try await makeTopic(partitions: 4)
        let group = TestStack.uniqueName("group")

        let first = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let firstCollector = RecordCollector(first, resolvingEach: true)
        try await eventually("the first member to own all partitions") { first.assignment.count == 4 }

        let second = try BrokerConsumer(configuration: configuration, groupId: group, topics: [topic], logger: TestStack.logger)
        let secondCollector = RecordCollector(second, resolvingEach: true)
        try await eventually("the partitions to be split") {
            !first.assignment.isEmpty && !second.assignment.isEmpty
                && first.assignment.union(second.assignment).count == 4
        }
        XCTAssertTrue(first.assignment.isDisjoint(with: second.assignment))

        let producer = try BrokerProducer(configuration: configuration, logger: TestStack.logger)
        for index in 0..<40 {
            try await producer.send(topic: topic, key: "user-\(index)", value: Data("before-\(index)".utf8))
        }
        try await eventually("both members to receive their share") {
            firstCollector.count + secondCollector.count == 40
        }
        XCTAssertGreaterThan(firstCollector.count, 0)
        XCTAssertGreaterThan(secondCollector.count, 0)

        await second.close()
        try await eventually("the first member to take the partitions back") { first.assignment.count == 4 }
        for index in 0..<40 {
            try await producer.send(topic: topic, key: "user-\(index)", value: Data("after-\(index)".utf8))
        }
        await producer.close()
        // Counted by value: a commit refused during the rebalance (the local broker moves the
        // generation on early) makes the first member read some "before" records again, as
        // at-least-once allows; the records sent after the rebalance come once each.
        let afterRecords: @Sendable () -> [String] = { firstCollector.records.map { String(decoding: $0.value, as: UTF8.self) }.filter { $0.hasPrefix("after") } }
        try await eventually("the remaining member to receive everything") { Set(afterRecords()).count == 40 }
        await first.close()
        XCTAssertEqual(afterRecords().count, 40, "records sent after the rebalance handed out twice")
        XCTAssertEqual(secondCollector.records.filter { String(decoding: $0.value, as: UTF8.self).hasPrefix("after") }.count, 0)
    }
}
