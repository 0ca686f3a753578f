import Broker
import Contracts
import Logging
import Metrics
import ServiceKit

/// Writes what `send-message` carries to the history, one bulk write per batch, on its own
/// consumer group: the delivery path never waits for it, and a history that falls behind
/// only delays the history. Each record is resolved once its batch is written, so a
/// crash replays the batch; the writes are idempotent, so a replay adds nothing twice.
struct HistoryWriter: Sendable {
    /// Bounds one bulk write.
    static let maxBatch = 1000

    let store: HistoryStore
    let logger: Logger
    let resolve: @Sendable (ConsumedMessage) -> Void
    private let written = Counter(label: "history_messages_written_total")
    private let batches = Counter(label: "history_write_batches_total")

    init(store: HistoryStore, logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        self.store = store
        self.logger = logger
        self.resolve = resolve
    }

    func write(_ records: [ConsumedMessage]) async {
        let entries = records.compactMap(HistoryEntry.init)
        if !entries.isEmpty {
            // Shutting down with the database away: the batch stays unresolved and replays.
            guard await retrying("history write", logger: logger, { try await store.record(entries) }) else { return }
            written.increment(by: entries.count)
            batches.increment()
        }
        records.forEach(resolve)
    }
}
