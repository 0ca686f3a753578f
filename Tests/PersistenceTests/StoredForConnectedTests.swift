import Broker
import ChatProtocol
import Contracts
import Foundation
import Pipeline
import TestSupport
import ServiceKit
import XCTest

@testable import Persistence

/// Which messages the writer sends straight back out because their recipient is connected:
/// `OfflineWriter` called with batches built here, against the real database and broker.
final class StoredForConnectedTests: XCTestCase {
    private struct Writer {
        let test: TestStore
        let producer: BrokerProducer
        let sendMessageTopic: String
        let context: WorkerContext
        let writer: OfflineWriter
        private(set) var offset: Int64 = 0

        init() async throws {
            sendMessageTopic = try await makeTopics(["send-message"], partitions: 1)[0]
            test = try await TestStore()
            producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
            let resolve: @Sendable (ConsumedMessage) -> Void = { _ in }
            context = WorkerContext(
                store: test.store, publisher: StoredCopyPublisher(producer: producer, sendMessageTopic: sendMessageTopic),
                connectedUsers: ConnectedUsers(), redeliveries: RedeliveryGate(),
                deadLetters: DeadLetters(producer: producer, topic: sendMessageTopic, logger: TestStack.logger, resolve: resolve),
                metrics: PersistenceMetrics(), logger: TestStack.logger, resolve: resolve)
            writer = OfflineWriter(context)
        }

        /// `offline-message` records as session-ms writes them, keyed by the recipient.
        mutating func records(_ messages: [ChatMessage]) -> [ConsumedMessage] {
            messages.map { message in
                offset += 1
                return ConsumedMessage(
                    topic: "offline-message", partition: 0, offset: offset,
                    key: message.type == .clientAck ? message.source : message.destination, value: message.protobufData(),
                    headers: [TrackId.header("track-\(message.id)")])
            }
        }

        func connect(_ user: String, connectionId: String, at timestamp: UInt64) {
            context.connectedUsers.apply(
                ConnectionState(
                    user: user, state: .connected, gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1",
                    connectionId: connectionId, timestamp: timestamp))
        }

        func close() async {
            await producer.close()
            await test.database.close()
        }
    }

    func testAMessageAckedLaterInTheSameBatchIsNotSentOut() async throws {
        var harness = try await Writer()
        let outputs = try RecordCollector(topics: [harness.sendMessageTopic])
        harness.connect("bob", connectionId: "c1", at: 1)
        await harness.writer.write(
            harness.records([offlineMessage("read", at: 100), acknowledgement(of: "read", by: "bob"), offlineMessage("unread", at: 200)]))
        await harness.writer.write(harness.records([offlineMessage("next", at: 300)]))

        let sent = try await outputs.wait(for: 2, on: harness.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["unread", "next"])
        let stored = try await harness.test.store.page(of: "bob", after: nil, limit: 10).messages.map(\.message.id)
        XCTAssertEqual(stored, ["unread", "next"])
        await outputs.close()
        await harness.close()
    }

    /// A connect handled after the write reads the message itself; the writer leaves it.
    func testAMessageARedeliveryStartedAfterTheWriteReadsIsNotSentTwice() async throws {
        var harness = try await Writer()
        let outputs = try RecordCollector(topics: [harness.sendMessageTopic])
        harness.connect("bob", connectionId: "c1", at: 1)
        // A redelivery of bob is under way, so the writer waits for it before publishing;
        // meanwhile bob connects again and that connect's redelivery reads the store.
        harness.context.redeliveries.begin(["bob"])
        let batch = harness.records([offlineMessage("m1", at: 100)])
        let writing = Task { [writer = harness.writer] in await writer.write(batch) }
        let redeliveries = harness.context.redeliveries
        try await eventually("the writer to wait for the redelivery") { redeliveries.waitingCount == 1 }
        harness.connect("bob", connectionId: "c2", at: 2)
        harness.context.redeliveries.end(["bob"])
        await writing.value
        // Without a connect after the write it does go out.
        await harness.writer.write(harness.records([offlineMessage("m2", at: 200)]))

        let sent = try await outputs.wait(for: 1, on: harness.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["m2"])
        await outputs.close()
        await harness.close()
    }
}
