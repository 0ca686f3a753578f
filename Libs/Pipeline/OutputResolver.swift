import Broker
import Contracts
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Resolves each consumed record once the broker stored every record produced from it,
/// so an offset is committed only when what it stands for is durable on the next topic.
///
/// It waits with receipt callbacks (`ProduceReceipt.whenDone`), not with a task: the last
/// output's delivery report resolves the record on the producer's event loop. Awaiting
/// in a loop cost a wake-up of a task thread per record, a large part of a router's CPU per
/// message. Records may resolve out of order; the consumer commits only past a contiguous
/// run. A record whose outputs the broker refused stays unresolved: its offset is not
/// committed past, so a restart replays it (its outputs may then repeat, with the same ids;
/// none is lost).
public final class OutputResolver: Service, Sendable {
    private struct State {
        var unsettled = 0
        var finished = false
        var whenSettled: CheckedContinuation<Void, Never>?

        mutating func takeWaiter() -> CheckedContinuation<Void, Never>? {
            defer { whenSettled = nil }
            return whenSettled
        }
    }

    private let state = Mutex(State())
    private let resolve: @Sendable (ConsumedMessage) -> Void
    private let logger: Logger
    private let refused = Counter(label: "pipeline_outputs_refused_total")

    public init(logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        self.logger = logger
        self.resolve = resolve
    }

    /// Resolves `record` (after calling `whenStored`) once the broker stored all `outputs`.
    /// `whenStored` runs on the producer's event loop: keep it short, never block.
    public func track(
        _ record: ConsumedMessage, outputs: [ProduceReceipt], trackId: String,
        whenStored: @escaping @Sendable () -> Void = {}
    ) {
        state.withLock { $0.unsettled += 1 }
        let countdown = OutputCountdown(outputs.count)
        let settle: @Sendable (BrokerError?) -> Void = { [self] failure in
            if let failure {
                refused.increment()
                logger.tracking(trackId).error(
                    "the broker did not store a record produced from a consumed one; it replays after a restart",
                    metadata: ["source": "\(record.source)", "reason": "\(failure)"])
            } else {
                whenStored()
                resolve(record)
            }
            settledOne()
        }
        guard !outputs.isEmpty else { return settle(nil) }
        for output in outputs {
            output.whenDone { result in
                if let outcome = countdown.count(result) { settle(outcome.failure) }
            }
        }
    }

    /// Lets `run` return once everything tracked so far is settled.
    public func finish() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.finished = true
            return state.unsettled == 0 ? state.takeWaiter() : nil
        }
        waiter?.resume()
    }

    public func run() async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await untilFinishedAndSettled()
            } onCancel: { [self] in
                finish()
            }
        } onGracefulShutdown: { [self] in
            finish()
        }
    }

    private func untilFinishedAndSettled() async {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { state in
                if !(state.finished && state.unsettled == 0) { state.whenSettled = continuation }
                return state.finished && state.unsettled == 0
            }
            if settled { continuation.resume() }
        }
    }

    private func settledOne() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.unsettled -= 1
            return state.finished && state.unsettled == 0 ? state.takeWaiter() : nil
        }
        waiter?.resume()
    }
}

/// Counts one record's outputs down as their receipts come in, in any order.
private final class OutputCountdown: Sendable {
    struct Outcome {
        /// The first refusal among the outputs, nil when the broker stored them all.
        let failure: BrokerError?
    }

    private let state: Mutex<(remaining: Int, failure: BrokerError?)>

    init(_ count: Int) {
        state = Mutex((count, nil))
    }

    /// The outcome once the last output is in, nil before.
    func count(_ result: Result<RecordPosition, BrokerError>) -> Outcome? {
        state.withLock { state in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            state.remaining -= 1
            return state.remaining == 0 ? Outcome(failure: state.failure) : nil
        }
    }
}
