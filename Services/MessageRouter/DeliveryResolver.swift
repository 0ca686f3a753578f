import Broker
import Logging
import ServiceKit
import ServiceLifecycle

/// Resolves each consumed record once the broker has acknowledged the record it was routed
/// to, so an offset is committed only when its message is durably on the next topic.
///
/// Deliveries are awaited in the order they were handed over. They are all in flight at the
/// broker together, so waiting in order costs nothing, needs one loop instead of a task per
/// record, and drains in order on shutdown.
final class DeliveryResolver: Service, Sendable {
    struct Pending: Sendable {
        let record: ConsumedMessage
        let delivery: Delivery
        let target: RoutingTable.Target
        let trackId: String
    }

    private let pending: AsyncStream<Pending>
    private let intake: AsyncStream<Pending>.Continuation
    private let resolve: @Sendable (ConsumedMessage) -> Void
    private let metrics: RouterMetrics
    private let logger: Logger

    init(metrics: RouterMetrics, logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        (pending, intake) = AsyncStream<Pending>.makeStream()
        self.metrics = metrics
        self.logger = logger
        self.resolve = resolve
    }

    func track(_ item: Pending) {
        intake.yield(item)
    }

    /// Settles what was handed over so far, then lets `run` return.
    func finish() {
        intake.finish()
    }

    func run() async {
        await withGracefulShutdownHandler {
            for await item in pending {
                await settle(item)
            }
        } onGracefulShutdown: { [self] in
            finish()
        }
    }

    private func settle(_ item: Pending) async {
        do {
            _ = try await item.delivery.report()
            metrics.countRouted(item.target)
            resolve(item.record)
        } catch {
            // Left unresolved: the offset is not committed past it, so a restart replays it.
            metrics.failed.increment()
            logger.tracking(item.trackId).error(
                "the broker did not take a routed message",
                metadata: ["target": "\(item.target.rawValue)", "reason": "\(error)"])
        }
    }
}
