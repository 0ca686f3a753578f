import Broker
import ChatProtocol
import Contracts
import Foundation
import Pipeline
import TestSupport
import ServiceKit
import Synchronization

@testable import MessageRouter

/// A `RecordRouter` wired to fresh topics on the test broker, fed by a real consumer, with
/// every record it resolves recorded.
final class RouterHarness: Sendable {
    private final class Resolved: Sendable {
        let records = Mutex<[ConsumedMessage]>([])
    }

    let topics: TopicOptions
    let producer: BrokerProducer
    private let consumer: BrokerConsumer
    private let resolved = Resolved()
    private let outputs: OutputResolver
    private let router: RecordRouter
    private let work: Task<Void, Never>

    init() async throws {
        let names = try await makeTopics(["new-message", "send-message", "system-message", "new-group-message", "dead-letter"])
        topics = try TopicOptions.parse([
            "--new-message-topic", names[0], "--send-message-topic", names[1], "--system-message-topic", names[2],
            "--new-group-message-topic", names[3], "--dead-letter-topic", names[4],
        ])
        let configuration = try TestStack.brokerConfiguration()
        let logger = TestStack.logger
        producer = try BrokerProducer(configuration: configuration, logger: logger)
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: TestStack.uniqueName("router"), topics: [topics.newMessageTopic],
            logger: logger)
        let resolved = self.resolved
        let resolve: @Sendable (ConsumedMessage) -> Void = { record in
            resolved.records.withLock { $0.append(record) }
            consumer.resolve(record)
        }
        let outputs = OutputResolver(logger: logger, resolve: resolve)
        let router = RecordRouter(
            table: RoutingTable(topics: topics), producer: producer, outputs: outputs,
            deadLetters: DeadLetters(producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: resolve),
            metrics: RouterMetrics(), logger: logger)
        self.consumer = consumer
        self.outputs = outputs
        self.router = router
        work = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await outputs.run() }
                for await record in consumer.messages {
                    await router.handle(record)
                }
                outputs.finish()
            }
        }
    }

    var resolvedRecords: [ConsumedMessage] { resolved.records.withLock { $0 } }

    /// Puts a record on `new-message` as the gateway would: keyed by destination, with a track id.
    func submit(_ message: ChatMessage, trackId: String) async throws {
        try await submit(message.protobufData(), key: message.destination, trackId: trackId)
    }

    func submit(_ bytes: Data, key: String, trackId: String) async throws {
        try await producer.send(topic: topics.newMessageTopic, key: key, value: bytes, headers: [TrackId.header(trackId)])
    }

    func close() async {
        await consumer.close()
        await work.value
        await producer.close()
    }
}

func sampleMessage(
    _ id: String, _ type: MessageType = .message, _ channel: MessageChannel = .individual, from source: String = "alice",
    to destination: String = "bob"
) -> ChatMessage {
    ChatMessage(
        id: id, type: type, channel: channel, source: source, destination: destination, content: Data(#"{"text":"\#(id)"}"#.utf8),
        timestamp: 1_700_000_000_000, meta: ["contentType": "text"], serverId: "gw-1", serverTimestamp: 1_700_000_000_100)
}
