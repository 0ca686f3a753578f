import Broker
import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import Pipeline
import ServiceKit
import Synchronization
import TestSupport

@testable import SessionService

/// A `DeliveryCoordinator` with a scripted gateway and a clock the test moves, over the
/// real parts it has in production: the test stack's broker (offline hand-off, dead
/// letters) and database (the connection directory). Records are handed to it as the
/// consumer would, and every one it resolves is recorded.
final class CoordinatorHarness: Sendable {
    let clock = ManualClock()
    let gateway = ScriptedGateway()
    let topics: TopicOptions
    let directory: ConnectionDirectory
    let coordinator: DeliveryCoordinator
    private let producer: BrokerProducer
    private let store: DocumentStore
    private let database: String
    private let offline: RecordCollector
    private final class Resolved: Sendable {
        let names = Mutex<Set<String>>([])
    }

    private let resolved = Resolved()
    private let nextOffset = Atomic<Int64>(0)
    /// Per message id the server timestamp its first record got: a stored copy made later
    /// carries the original's, as persistence's do.
    private let serverTimestamps = Mutex<[String: UInt64]>([:])

    /// `sessionFlags`: SessionOptions flags on top of a 1 s ack timeout, 3 attempts, backoff 2.
    init(sessionFlags: [String] = []) async throws {
        let names = try await makeTopics(["offline-message", "dead-letter", "user-connection-state"], partitions: 1)
        topics = try TopicOptions.parse([
            "--offline-message-topic", names[0], "--dead-letter-topic", names[1], "--user-connection-state-topic", names[2],
        ])
        let options = try SessionOptions.parse(
            ["--ack-timeout-ms", "1000", "--max-delivery-attempts", "3", "--retry-backoff", "2"] + sessionFlags)
        let logger = TestStack.logger
        producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: logger, lingerMilliseconds: 0)
        store = try DocumentStore(uri: try TestStack.mongoURL())
        database = TestStack.uniqueName("coordinator-tests")
        // Tests here are about delivery, not about how long a slow database read may take.
        directory = ConnectionDirectory(store: store, database: database, readPatience: .seconds(15))
        try await directory.createIndexes()
        offline = try RecordCollector(topics: [topics.offlineMessageTopic, topics.userConnectionStateTopic])
        let resolved = self.resolved
        let resolve: @Sendable (ConsumedMessage) -> Void = { record in
            resolved.names.withLock { _ = $0.insert(Self.name(of: record)) }
        }
        coordinator = DeliveryCoordinator(
            resolve: resolve, producer: producer,
            deadLetters: DeadLetters(producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: resolve),
            directory: directory, gateways: gateway, timer: clock.timer, options: options, topics: topics, logger: logger)
    }

    func close() async {
        await offline.close()
        await producer.close()
        try? await store.collection("connections", in: database).drop()
        await store.close()
    }

    // MARK: Records as the consumer hands them out

    func message(
        _ id: String, from source: String = "alice", to recipient: String, headers: [BrokerHeader] = []
    ) -> ConsumedMessage {
        let serverTimestamp = serverTimestamps.withLock { stamps in
            if let stamp = stamps[id] { return stamp }
            let stamp = 1_700_000_000_000 + UInt64(stamps.count)
            stamps[id] = stamp
            return stamp
        }
        let message = ChatMessage(
            id: id, type: .message, channel: .individual, source: source, destination: recipient,
            content: Data(#"{"text":"\#(id)"}"#.utf8), timestamp: 1_700_000_000_000, serverTimestamp: serverTimestamp)
        return record(on: topics.sendMessageTopic, key: recipient, value: message.protobufData(), headers: headers)
    }

    func clientAck(_ id: String, by user: String, to source: String = "alice") -> ConsumedMessage {
        let ack = ChatMessage(id: id, type: .clientAck, channel: .individual, source: user, destination: source)
        return record(on: topics.clientAckTopic, key: user, value: ack.protobufData())
    }

    func connected(_ user: String, at url: String, timestamp: UInt64, connectionId: String = "c1") -> ConsumedMessage {
        let event = ConnectionState(
            user: user, state: .connected, gateway: "gateway-1", gatewayInternalURL: url, connectionId: connectionId,
            timestamp: timestamp)
        return record(on: topics.userConnectionStateTopic, key: user, value: event.protobufData())
    }

    func garbage(on topic: String) -> ConsumedMessage {
        record(on: topic, key: "x", value: Data([0xFF, 0x00, 0x13]))
    }

    private func record(on topic: String, key: String, value: Data, headers: [BrokerHeader] = []) -> ConsumedMessage {
        ConsumedMessage(
            topic: topic, partition: 0, offset: nextOffset.add(1, ordering: .relaxed).newValue, key: key, value: value,
            headers: headers)
    }

    // MARK: What came out

    func isResolved(_ record: ConsumedMessage) -> Bool {
        resolved.names.withLock { $0.contains(Self.name(of: record)) }
    }

    /// The next `count` records handed to `offline-message`.
    func offlineRecords(_ count: Int) async throws -> [ConsumedMessage] {
        try await offline.wait(for: count, on: topics.offlineMessageTopic)
    }

    /// The next `count` connection events session-ms published itself (for a gone gateway).
    func publishedConnectionEvents(_ count: Int) async throws -> [ConnectionState] {
        try await offline.wait(for: count, on: topics.userConnectionStateTopic).map { try ConnectionState(protobuf: $0.value) }
    }

    /// Records handed to `offline-message` so far, without waiting.
    var offlineCount: Int { offline.records(on: topics.offlineMessageTopic).count }

    private static func name(of record: ConsumedMessage) -> String {
        "\(record.topic)/\(record.offset)"
    }
}
