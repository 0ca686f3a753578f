import Broker
import Foundation
import TestSupport
import XCTest

/// The stack's broker-purger: once messages went through, the records of `new-message`
/// that message-router (its only reader) committed are deleted from the local broker,
/// which would otherwise keep and rewrite them for as long as it runs.
final class BrokerPurgeTests: XCTestCase {
    private static let topic = "new-message"
    private static let partitions: Int32 = 8

    func testRecordsEveryReaderCommittedAreDeletedFromTheBroker() async throws {
        let admin = try ConsumerGroupAdmin(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        defer { admin.close() }
        let before = try Self.nextOffsets(admin)

        let (sender, recipient) = try await ChatClient.connectedPair()
        defer { sender.close(); recipient.close() }
        let bob = recipient.user
        let count = 40
        for index in 0..<count { sender.sendMessage(to: bob, id: "purged-\(index)", text: "message \(index)") }
        _ = try await recipient.waitForMessages(count)

        // Every record written before this test's messages came in, and these too, are
        // consumed: each partition that got one must start past what it held before.
        let written = try Self.nextOffsets(admin)
        let grown = written.filter { $0.value > before[$0.key]! }
        XCTAssertFalse(grown.isEmpty, "the messages never reached \(Self.topic)")
        try await eventually(timeout: .seconds(20), "the consumed records of \(Self.topic) to be deleted") {
            try grown.keys.allSatisfy { partition in try admin.watermarks(of: partition).first >= written[partition]! }
        }
    }

    private static func nextOffsets(_ admin: ConsumerGroupAdmin) throws -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for partition in 0..<partitions {
            let topicPartition = TopicPartition(topic: topic, partition: partition)
            offsets[topicPartition] = try admin.watermarks(of: topicPartition).next
        }
        return offsets
    }
}
