import Broker
import Synchronization

/// Reads topics with a fresh consumer group in the background, so a test can wait for what
/// a service produced.
public final class RecordCollector: Sendable {
    private final class Received: Sendable {
        let records = Mutex<[ConsumedMessage]>([])
    }

    private let received = Received()
    private let consumer: BrokerConsumer
    private let reader: Task<Void, Never>

    public init(topics: [String]) throws {
        let consumer = try BrokerConsumer(
            configuration: try TestEnvironment.brokerConfiguration(), groupId: TestEnvironment.uniqueName("collector"),
            topics: topics, logger: TestEnvironment.logger)
        let received = self.received
        self.consumer = consumer
        reader = Task {
            for await record in consumer.messages {
                received.records.withLock { $0.append(record) }
                consumer.resolve(record)
            }
        }
    }

    public var records: [ConsumedMessage] { received.records.withLock { $0 } }

    public func records(on topic: String) -> [ConsumedMessage] {
        records.filter { $0.topic == topic }
    }

    /// Waits until `count` records arrived on `topic` and returns all of that topic's.
    public func wait(for count: Int, on topic: String, timeout: Duration = .seconds(20)) async throws -> [ConsumedMessage] {
        try await eventually(timeout: timeout, "\(count) records on \(topic)") { self.records(on: topic).count >= count }
        return records(on: topic)
    }

    public func close() async {
        await consumer.close()
        await reader.value
    }
}
