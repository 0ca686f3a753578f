import Broker
import ChatProtocol
import Contracts
import Foundation
import Pipeline
import TestSupport
import ServiceKit

@testable import Persistence

/// persistence's workers on fresh topics and a fresh database, fed by a real consumer as
/// the service feeds them, with every record they resolve recorded.
final class WorkersHarness: Sendable {
    let topics: TopicOptions
    let test: TestStore
    let producer: BrokerProducer
    let workers: PersistenceWorkers
    private let consumer: BrokerConsumer
    private let resolved = ResolvedRecords()
    private let work: Task<Void, Never>

    init() async throws {
        let names = try await makeTopics(["offline-message", "user-connection-state", "send-message", "dead-letter"])
        topics = try TopicOptions.parse([
            "--offline-message-topic", names[0], "--user-connection-state-topic", names[1],
            "--send-message-topic", names[2], "--dead-letter-topic", names[3],
        ])
        test = try await TestStore()
        let configuration = try TestStack.brokerConfiguration()
        let logger = TestStack.logger
        producer = try BrokerProducer(configuration: configuration, logger: logger)
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("persistence"),
            topics: [topics.offlineMessageTopic, topics.userConnectionStateTopic], logger: logger)
        let resolved = self.resolved
        let resolve: @Sendable (ConsumedMessage) -> Void = { record in
            resolved.append(record)
            consumer.resolve(record)
        }
        let workers = PersistenceWorkers(
            store: test.store, producer: producer, topics: topics,
            deadLetters: DeadLetters(producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: resolve),
            logger: logger, resolve: resolve)
        self.consumer = consumer
        self.workers = workers
        work = Task {
            for await record in consumer.messages {
                workers.handle(record)
            }
            await workers.drained()
        }
    }

    var resolvedCount: Int { resolved.count }

    func waitUntilResolved(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        try await eventually(timeout: timeout, "\(count) records resolved") { self.resolvedCount >= count }
    }

    /// Puts a message on `offline-message` as session-ms does: keyed by the recipient.
    /// `storedCopy`: as session-ms hands back a redelivered message that went unacked again;
    /// `unacknowledged`: as it stores one the recipient's connections got but never acked;
    /// `sentForConnectionAt`: the copy's `recipient-connected-at`, which session-ms keeps.
    func sendOffline(
        _ message: ChatMessage, key: String? = nil, storedCopy: Bool = false, unacknowledged: Bool = false,
        sentForConnectionAt: UInt64? = nil
    ) async throws {
        var headers = [TrackId.header("track-\(message.id)")]
        if storedCopy { headers.append(BrokerHeader(name: RecordHeaders.storedCopy, string: "true")) }
        if let sentForConnectionAt {
            headers.append(BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: String(sentForConnectionAt)))
        }
        if unacknowledged { headers.append(BrokerHeader(name: RecordHeaders.unacknowledged, string: "true")) }
        try await producer.send(
            topic: topics.offlineMessageTopic, key: key ?? message.destination, value: message.protobufData(),
            headers: headers)
    }

    func sendOffline(bytes: Data, key: String?) async throws {
        try await producer.send(topic: topics.offlineMessageTopic, key: key, value: bytes)
    }

    func sendConnection(
        _ user: String, _ state: ConnectionState.State, connectionId: String = "c-1", timestamp: UInt64 = 1
    ) async throws {
        let event = ConnectionState(
            user: user, state: state, gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1", connectionId: connectionId,
            timestamp: timestamp)
        _ = try await producer.enqueue(event, topic: topics.userConnectionStateTopic, trackId: "connect-\(user)").stored()
    }

    func close() async {
        await consumer.close()
        await work.value
        await producer.close()
        await test.database.close()
    }
}
