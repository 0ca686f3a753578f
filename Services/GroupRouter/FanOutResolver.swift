import Broker
import Logging
import ServiceKit
import ServiceLifecycle

/// Resolves each consumed group message once the broker holds every copy made of it, so
/// an offset is committed only when the whole fan-out is durable. Awaited in consumption
/// order: the copies are all in flight together, so that costs nothing.
final class FanOutResolver: Service, Sendable {
    struct Pending: Sendable {
        let record: ConsumedMessage
        let deliveries: [Delivery]
        let trackId: String
    }

    private let pending: AsyncStream<Pending>
    private let intake: AsyncStream<Pending>.Continuation
    private let resolve: @Sendable (ConsumedMessage) -> Void
    private let logger: Logger

    init(logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        (pending, intake) = AsyncStream<Pending>.makeStream()
        self.logger = logger
        self.resolve = resolve
    }

    func track(_ item: Pending) {
        intake.yield(item)
    }

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
            for delivery in item.deliveries {
                _ = try await delivery.report()
            }
            resolve(item.record)
        } catch {
            // Left unresolved: a restart replays the record; members may get a copy twice
            // (same id), never none.
            logger.tracking(item.trackId).error("the broker did not take a group copy", metadata: ["reason": "\(error)"])
        }
    }
}
