import Broker
import ChatProtocol
import Contracts
import Foundation
import Pipeline
import ServiceKit
import TestSupport

@testable import Persistence

/// A `Redelivery` that a test feeds itself, so the test decides what one batch holds: the
/// records, read back from a topic of their own, are all submitted before `run`, and
/// `finish` lets `run` return once it handled them, as at shutdown. Its output topics have
/// one partition each, so a marker produced after `run` returned is read after everything
/// redelivery published.
final class RedeliveryBench: Sendable {
    static let marker = "end-of-test"

    let test: TestStore
    let producer: BrokerProducer
    let redelivery: Redelivery
    let sendMessageTopic: String
    let deadLetterTopic: String
    private let connectionTopic: String
    private let resolved = ResolvedRecords()

    init() async throws {
        let names = try await makeTopics(["user-connection-state", "send-message", "dead-letter"], partitions: 1)
        (connectionTopic, sendMessageTopic, deadLetterTopic) = (names[0], names[1], names[2])
        test = try await TestStore()
        producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        let resolved = self.resolved
        let resolve: @Sendable (ConsumedMessage) -> Void = { record in resolved.append(record) }
        redelivery = Redelivery(
            WorkerContext(
                store: test.store, publisher: StoredCopyPublisher(producer: producer, sendMessageTopic: sendMessageTopic),
                connectedUsers: ConnectedUsers(), redeliveries: RedeliveryGate(),
                deadLetters: DeadLetters(producer: producer, topic: deadLetterTopic, logger: TestStack.logger, resolve: resolve),
                metrics: PersistenceMetrics(), logger: TestStack.logger, resolve: resolve))
    }

    /// The offsets of the resolved records, in the order they were resolved.
    var resolvedOffsets: [Int64] { resolved.offsets }

    /// Puts the values on the connection topic in order and returns them as a consumer
    /// hands them over.
    func records(_ values: [Data]) async throws -> [ConsumedMessage] {
        let collector = try RecordCollector(topics: [connectionTopic])
        var receipts: [ProduceReceipt] = []
        for (index, value) in values.enumerated() {
            let headers = [TrackId.header("record-\(index)")]
            receipts.append(try await producer.enqueue(topic: connectionTopic, key: nil, value: value, headers: headers))
        }
        for receipt in receipts { _ = try await receipt.stored() }
        let records = try await collector.wait(for: values.count, on: connectionTopic, timeout: .seconds(60))
        await collector.close()
        return records
    }

    /// Hands all `records` over at once, as batches of `Redelivery.maxBatch` (what gathers
    /// while a burst arrives), and returns once redelivery handled them.
    func handleTogether(_ records: [ConsumedMessage]) async {
        for start in stride(from: 0, to: records.count, by: Redelivery.maxBatch) {
            await redelivery.handle(Array(records[start..<min(start + Redelivery.maxBatch, records.count)]))
        }
    }

    /// Every record redelivery put on `topic`, read up to a marker produced now.
    func published(on topic: String) async throws -> [ConsumedMessage] {
        let collector = try RecordCollector(topics: [topic])
        _ = try await producer.send(topic: topic, key: Self.marker, value: Data())
        try await eventually("the marker on \(topic)") { collector.records.contains { $0.key == Self.marker } }
        let records = collector.records.prefix { $0.key != Self.marker }
        await collector.close()
        return Array(records)
    }

    func close() async {
        await producer.close()
        await test.database.close()
    }
}

/// A `user-connection-state` event as a gateway publishes it.
func connection(_ user: String, _ state: ConnectionState.State = .connected, id connectionId: String = "c-1") -> Data {
    ConnectionState(
        user: user, state: state, gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1", connectionId: connectionId, timestamp: 1
    ).protobufData()
}
