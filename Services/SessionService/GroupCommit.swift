import Synchronization

/// Writes items that many tasks submit at once in shared batches, each submitter waiting
/// until its own item is written (group commit).
///
/// One writer at a time takes everything gathered while the previous write was in flight,
/// up to `maxBatch` items: a lone item is written at once, with no timer adding latency,
/// and a burst goes out in a few large writes instead of one write per item. Batches are
/// written one after another in submission order, so no item is written before one
/// submitted earlier.
final class GroupCommit<Item: Sendable>: Sendable {
    typealias Write = @Sendable (_ batch: [Item]) async throws -> Void

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        /// A writer task runs; it stops only once it finds `queue` empty, so an item queued
        /// while this is true is always picked up.
        var isWriting = false
        var batchesWritten = 0
    }

    private let maxBatch: Int
    private let write: Write
    private let state = Mutex(State())

    init(maxBatch: Int, write: @escaping Write) {
        precondition(maxBatch > 0, "a batch must hold at least one item")
        self.maxBatch = maxBatch
        self.write = write
    }

    /// How many batches were handed to `write` so far, failed ones included.
    var batchesWritten: Int {
        state.withLock { $0.batchesWritten }
    }

    /// Returns once the batch holding `item` is written, or throws what writing it threw.
    /// A cancelled task still waits: a write under way cannot be taken back.
    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLock { state in
                state.queue.append(Waiter(item: item, continuation: continuation))
                defer { state.isWriting = true }
                return !state.isWriting
            }
            if startsWriter {
                Task { await self.writeQueued() }
            }
        }
    }

    private func writeQueued() async {
        while let batch = nextBatch() {
            let outcome: Result<Void, any Error>
            do {
                try await write(batch.map(\.item))
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            for waiter in batch {
                waiter.continuation.resume(with: outcome)
            }
        }
    }

    /// The oldest queued items, or nil (and the writer stops) when none are left.
    private func nextBatch() -> [Waiter]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.isWriting = false
                return nil
            }
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            state.batchesWritten += 1
            return batch
        }
    }
}
