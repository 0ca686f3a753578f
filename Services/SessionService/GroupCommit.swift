import Synchronization

/// Writes items that many tasks submit at once in shared batches, each submitter waiting
/// until its own item is written and getting its own outcome (group commit).
///
/// Up to `maxWritesInFlight` writers run at once; each takes everything gathered while the
/// writes before it were in flight, up to `maxBatch` items. A lone item is written at
/// once, with no timer adding latency, and a burst goes out in a few large writes instead
/// of one write per item. With one writer, batches are written one after another in
/// submission order, so no item is written before one submitted earlier; with more, a
/// caller that needs an order waits for one item before submitting the next.
final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes a batch and answers one outcome per item, in the batch's order.
    typealias Write = @Sendable (_ batch: [Item]) async throws -> [Outcome]

    struct MissingOutcomes: Error {
        let expected: Int
        let got: Int
    }

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        /// Writer tasks running; each stops only once it finds `queue` empty, so an item
        /// queued while one runs is always picked up.
        var writers = 0
        var batchesWritten = 0
    }

    private let maxBatch: Int
    private let maxWritesInFlight: Int
    private let write: Write
    private let state = Mutex(State())

    init(maxBatch: Int, maxWritesInFlight: Int = 1, write: @escaping Write) {
        precondition(maxBatch > 0, "a batch must hold at least one item")
        precondition(maxWritesInFlight > 0, "at least one write must be allowed")
        self.maxBatch = maxBatch
        self.maxWritesInFlight = maxWritesInFlight
        self.write = write
    }

    /// How many batches were handed to `write` so far, failed ones included.
    var batchesWritten: Int {
        state.withLock { $0.batchesWritten }
    }

    /// Returns the item's outcome once the batch holding it is written, or throws what
    /// writing it threw. A cancelled task still waits: a write under way cannot be taken back.
    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLock { state in
                state.queue.append(Waiter(item: item, continuation: continuation))
                guard state.writers < maxWritesInFlight else { return false }
                state.writers += 1
                return true
            }
            if startsWriter {
                Task { await self.writeQueued() }
            }
        }
    }

    private func writeQueued() async {
        while let batch = nextBatch() {
            do {
                let outcomes = try await write(batch.map(\.item))
                guard outcomes.count == batch.count else {
                    throw MissingOutcomes(expected: batch.count, got: outcomes.count)
                }
                for (waiter, outcome) in zip(batch, outcomes) {
                    waiter.continuation.resume(returning: outcome)
                }
            } catch {
                for waiter in batch {
                    waiter.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// The oldest queued items, or nil (and this writer stops) when none are left.
    private func nextBatch() -> [Waiter]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.writers -= 1
                return nil
            }
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            state.batchesWritten += 1
            return batch
        }
    }
}

extension GroupCommit where Outcome == Void {
    /// For writes whose only outcome is success or an error.
    convenience init(
        maxBatch: Int, maxWritesInFlight: Int = 1, write: @escaping @Sendable (_ batch: [Item]) async throws -> Void
    ) {
        self.init(maxBatch: maxBatch, maxWritesInFlight: maxWritesInFlight) { batch in
            try await write(batch)
            return Array(repeating: (), count: batch.count)
        }
    }
}
