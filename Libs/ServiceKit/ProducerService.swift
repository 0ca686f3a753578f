import Broker
import ServiceLifecycle

/// Keeps a producer for the life of the process and, on shutdown, waits for its
/// outstanding deliveries. List it first in the service group: groups stop in reverse
/// order, so everything that produces has stopped before the flush.
public struct ProducerService: Service {
    public let producer: BrokerProducer
    private let topics: [String]

    /// - Parameter topics: what the service produces to, looked up at start so the first
    ///   record to each is not delayed (BrokerProducer.prepare).
    public init(_ producer: BrokerProducer, topics: [String] = []) {
        self.producer = producer
        self.topics = topics
    }

    public func run() async throws {
        if !topics.isEmpty { await producer.prepare(topics: topics) }
        try? await gracefulShutdown()
        await producer.close()
    }
}
