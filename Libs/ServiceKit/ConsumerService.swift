import Broker
import Logging
import ServiceLifecycle

/// Runs a consumer as a lifecycle service: hands every record to `handle` in arrival
/// order and, on graceful shutdown, stops fetching, lets in-flight records resolve and
/// commits. `handle` must eventually call `consumer.resolve` for each record it got
/// (it may do so later, from another task, to pipeline work).
public struct ConsumerService: Service {
    public let consumer: BrokerConsumer
    private let name: String
    private let readiness: Readiness
    private let drainTimeout: Duration
    private let handle: @Sendable (ConsumedMessage) async -> Void

    public init(
        name: String, consumer: BrokerConsumer, readiness: Readiness, drainTimeout: Duration = .seconds(10),
        handle: @escaping @Sendable (ConsumedMessage) async -> Void
    ) {
        self.name = name
        self.consumer = consumer
        self.readiness = readiness
        self.drainTimeout = drainTimeout
        self.handle = handle
        readiness.register(name)
    }

    public func run() async throws {
        let consumer = self.consumer
        let readiness = self.readiness
        let name = self.name
        // Ready once the group has assigned partitions to this member.
        let readinessWatch = Task {
            while !consumer.hasJoinedGroup, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
            readiness.markReady(name)
        }
        defer { readinessWatch.cancel() }
        await withGracefulShutdownHandler {
            for await message in consumer.messages {
                await handle(message)
            }
        } onGracefulShutdown: { [drainTimeout] in
            Task { await consumer.close(drainTimeout: drainTimeout) }
        }
    }
}
