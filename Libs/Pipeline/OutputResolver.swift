import Broker
import Contracts
import Logging
import Metrics
import ServiceLifecycle

/// Resolves each consumed record once the broker stored every record produced from it,
/// so an offset is committed only when what it stands for is durable on the next topic.
///
/// Outputs are awaited in the order they were handed over. They are all in flight at the
/// broker together, so waiting in order costs nothing, needs one loop instead of a task per
/// record, and drains in order on shutdown. A record whose outputs the broker refused stays
/// unresolved: its offset is not committed past, so a restart replays it (its outputs may
/// then repeat, with the same ids; none is lost).
public final class OutputResolver: Service, Sendable {
    private struct Tracked: Sendable {
        let record: ConsumedMessage
        let outputs: [ProduceReceipt]
        let trackId: String
        let whenStored: @Sendable () -> Void
    }

    private let tracked: AsyncStream<Tracked>
    private let intake: AsyncStream<Tracked>.Continuation
    private let resolve: @Sendable (ConsumedMessage) -> Void
    private let logger: Logger
    private let refused = Counter(label: "pipeline_outputs_refused_total")

    public init(logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        (tracked, intake) = AsyncStream<Tracked>.makeStream()
        self.logger = logger
        self.resolve = resolve
    }

    /// Resolves `record` (after calling `whenStored`) once the broker stored all `outputs`.
    public func track(
        _ record: ConsumedMessage, outputs: [ProduceReceipt], trackId: String,
        whenStored: @escaping @Sendable () -> Void = {}
    ) {
        intake.yield(Tracked(record: record, outputs: outputs, trackId: trackId, whenStored: whenStored))
    }

    /// Settles what was handed over so far, then lets `run` return.
    public func finish() {
        intake.finish()
    }

    public func run() async {
        await withGracefulShutdownHandler {
            for await item in tracked {
                await settle(item)
            }
        } onGracefulShutdown: { [self] in
            finish()
        }
    }

    private func settle(_ item: Tracked) async {
        do {
            for output in item.outputs {
                try await output.stored()
            }
            item.whenStored()
            resolve(item.record)
        } catch {
            refused.increment()
            logger.tracking(item.trackId).error(
                "the broker did not store a record produced from a consumed one; it replays after a restart",
                metadata: ["source": "\(item.record.source)", "reason": "\(error)"])
        }
    }
}
