import Broker
import Synchronization

/// Records the consumer hands over one at a time, taken out in batches: each batch is
/// everything submitted while the previous one was handled, up to `maxBatch`. One record
/// goes on at once when traffic is light and large batches form when it is heavy, with no
/// timer adding latency. One consumer of the batches keeps the records' order.
final class RecordBatches: Sendable {
    let maxBatch: Int
    private let buffer = Mutex<[ConsumedMessage]>([])
    /// One pending wake-up is enough: a batch takes everything buffered.
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(maxBatch: Int) {
        precondition(maxBatch > 0, "a batch must hold at least one record")
        self.maxBatch = maxBatch
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ record: ConsumedMessage) {
        buffer.withLock { $0.append(record) }
        wake.yield()
    }

    /// Lets `handleAll` return once it has handled what was submitted so far.
    func finish() {
        wake.finish()
    }

    /// Hands every batch to `handle`, one after another, until `finish`.
    func handleAll(_ handle: ([ConsumedMessage]) async -> Void) async {
        for await _ in wakeups {
            await handleBuffered(handle)
        }
        await handleBuffered(handle)
    }

    private func handleBuffered(_ handle: ([ConsumedMessage]) async -> Void) async {
        while true {
            let batch = buffer.withLock { buffered in
                let batch = Array(buffered.prefix(maxBatch))
                buffered.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            await handle(batch)
        }
    }
}
