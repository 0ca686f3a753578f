import Broker
import Synchronization

/// Gathers what a consumer hands out in the background, so a test can wait for what a
/// service produced or look at what the broker delivered.
public final class RecordCollector: Sendable {
    private final class Received: Sendable {
        let records = Mutex<[ConsumedMessage]>([])
    }

    private let received = Received()
    private let consumer: BrokerConsumer
    private let reader: Task<Void, Never>

    /// Reads `topics` with a consumer of its own in a fresh consumer group, resolving each record.
    public convenience init(topics: [String]) throws {
        let consumer = try BrokerConsumer(
            configuration: try TestStack.brokerConfiguration(), groupId: TestStack.uniqueName("collector"),
            topics: topics, logger: TestStack.logger)
        self.init(consumer, resolvingEach: true)
    }

    /// Gathers what `consumer`, which the test made, hands out. Without `resolvingEach` the
    /// test resolves the records itself, to see what the consumer does with unresolved ones.
    public init(_ consumer: BrokerConsumer, resolvingEach: Bool) {
        let received = self.received
        self.consumer = consumer
        reader = Task {
            for await record in consumer.messages {
                received.records.withLock { $0.append(record) }
                if resolvingEach { consumer.resolve(record) }
            }
        }
    }

    public var records: [ConsumedMessage] { received.records.withLock { $0 } }
    public var count: Int { received.records.withLock { $0.count } }

    public func records(on topic: String) -> [ConsumedMessage] {
        records.filter { $0.topic == topic }
    }

    /// Waits until `count` records arrived, on any topic, and returns them all.
    public func wait(for count: Int, timeout: Duration = .seconds(20)) async throws -> [ConsumedMessage] {
        try await eventually(timeout: timeout, "\(count) records") { self.count >= count }
        return records
    }

    /// Waits until `count` records arrived on `topic` and returns all of that topic's.
    public func wait(for count: Int, on topic: String, timeout: Duration = .seconds(20)) async throws -> [ConsumedMessage] {
        try await eventually(timeout: timeout, "\(count) records on \(topic)") { self.records(on: topic).count >= count }
        return records(on: topic)
    }

    /// Closes the consumer and waits until the last record it handed out is gathered.
    public func close() async {
        await consumer.close()
        await reader.value
    }
}
