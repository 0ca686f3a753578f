import Broker
import ServiceLifecycle

/// Keeps a producer for the life of the process and, on shutdown, waits for its
/// outstanding deliveries. List it first in the service group: groups stop in reverse
/// order, so everything that produces has stopped before the flush.
public struct ProducerService: Service {
    public let producer: BrokerProducer

    public init(_ producer: BrokerProducer) {
        self.producer = producer
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await producer.close()
    }
}
