import ServiceLifecycle
import Synchronization

/// Handles items that many tasks hand over at once in shared batches (group commit): each
/// batch is everything handed over while the batches before it were being handled, up to
/// `maxBatch` items.
///
/// A lone item goes at once, with no timer adding latency, and a burst goes out in a few
/// large batches instead of one call per item. Up to `maxBatchesInFlight` batches are
/// handled at once. With one, batches are handled one after another in hand-over order,
/// so no item is handled before one handed over earlier; with more, a caller that needs
/// an order waits for one item before handing over the next.
///
/// `submit` waits for the item's own outcome; `enqueue` hands an item over without
/// waiting (the handler then reports outcomes itself, e.g. by resolving records). Run as a
/// lifecycle service, it finishes what was handed over before a graceful stop completes.
public final class Batches<Item: Sendable, Outcome: Sendable>: Service, Sendable {
    /// Handles a batch and answers one outcome per item, in the batch's order.
    public typealias Handle = @Sendable (_ batch: [Item]) async throws -> [Outcome]

    public struct MissingOutcomes: Error {
        public let expected: Int
        public let got: Int
    }

    private struct Waiter {
        let item: Item
        /// Nil for an item handed over with `enqueue`.
        let continuation: CheckedContinuation<Outcome, any Error>?
    }

    private struct State {
        var queue: [Waiter] = []
        /// Handler tasks running; each stops only once it finds `queue` empty, so an item
        /// queued while one runs is always picked up.
        var handlers = 0
        var batchesHandled = 0
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let maxBatch: Int
    private let maxBatchesInFlight: Int
    private let handle: Handle
    private let state = Mutex(State())

    /// - Parameter outcomes: handles a batch and answers one outcome per item.
    public init(maxBatch: Int, maxBatchesInFlight: Int = 1, outcomes handle: @escaping Handle) {
        precondition(maxBatch > 0, "a batch must hold at least one item")
        precondition(maxBatchesInFlight > 0, "at least one batch must be allowed in flight")
        self.maxBatch = maxBatch
        self.maxBatchesInFlight = maxBatchesInFlight
        self.handle = handle
    }

    /// Items handed over and not yet taken into a batch.
    public var queued: Int {
        state.withLock { $0.queue.count }
    }

    /// How many batches were handed to the handler so far, failed ones included.
    public var batchesHandled: Int {
        state.withLock { $0.batchesHandled }
    }

    /// Returns the item's outcome once the batch holding it is handled, or throws what
    /// handling it threw. A cancelled task still waits: a batch under way cannot be taken back.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            add(Waiter(item: item, continuation: continuation))
        }
    }

    /// Hands `item` over without waiting for its outcome.
    public func enqueue(_ item: Item) {
        add(Waiter(item: item, continuation: nil))
    }

    /// Returns once everything handed over so far is handled (for a graceful stop).
    public func drained() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                guard state.handlers > 0 || !state.queue.isEmpty else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    public func run() async {
        try? await gracefulShutdown()
        await drained()
    }

    private func add(_ waiter: Waiter) {
        let startsHandler = state.withLock { state in
            state.queue.append(waiter)
            guard state.handlers < maxBatchesInFlight else { return false }
            state.handlers += 1
            return true
        }
        if startsHandler {
            Task { await self.handleQueued() }
        }
    }

    private func handleQueued() async {
        while let batch = nextBatch() {
            do {
                let outcomes = try await handle(batch.map(\.item))
                guard outcomes.count == batch.count else {
                    throw MissingOutcomes(expected: batch.count, got: outcomes.count)
                }
                for (waiter, outcome) in zip(batch, outcomes) {
                    waiter.continuation?.resume(returning: outcome)
                }
            } catch {
                for waiter in batch {
                    waiter.continuation?.resume(throwing: error)
                }
            }
        }
    }

    /// The oldest queued items, or nil (and this handler stops) when none are left.
    private func nextBatch() -> [Waiter]? {
        let (batch, drainWaiters): ([Waiter]?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            guard !state.queue.isEmpty else {
                state.handlers -= 1
                guard state.handlers == 0 else { return (nil, []) }
                defer { state.drainWaiters.removeAll() }
                return (nil, state.drainWaiters)
            }
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            state.batchesHandled += 1
            return (batch, [])
        }
        drainWaiters.forEach { $0.resume() }
        return batch
    }
}

extension Batches where Outcome == Void {
    /// For handlers whose only outcome is success or an error.
    public convenience init(
        maxBatch: Int, maxBatchesInFlight: Int = 1, handle: @escaping @Sendable (_ batch: [Item]) async throws -> Void
    ) {
        self.init(maxBatch: maxBatch, maxBatchesInFlight: maxBatchesInFlight, outcomes: { batch in
            try await handle(batch)
            return Array(repeating: (), count: batch.count)
        })
    }
}
