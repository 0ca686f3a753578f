import ChatProtocol
import Logging
import Metrics
import Synchronization

/// Writes connection events to the database copy behind the in-memory directory, and
/// says when each one is stored, so its record is committed only then (a crash before
/// that replays it).
///
/// One writer at a time takes everything queued (up to `maxBatch` connections) into one
/// write, so a burst of connects costs a few writes and one connection's events are
/// written in the order they were applied. A failed write is tried again after a backoff
/// that grows to `maxBackoff`, for as long as it takes: while the database is down,
/// delivery goes on from memory and only these writes wait.
final class ConnectionWriteBehind: Sendable {
    typealias Write = @Sendable (_ events: [ConnectionState]) async throws -> Void

    private struct Unwritten {
        var event: ConnectionState
        /// Called once the database holds this event or a later one of its connection.
        var whenStored: [@Sendable () -> Void]
    }

    private struct State {
        /// By connection id; `order` keeps the order they were queued in.
        var queued: [String: Unwritten] = [:]
        var order: [String] = []
        /// Taken by the write under way.
        var inFlight: [String: Unwritten] = [:]
        var writerRunning = false
        var writes = 0
    }

    private let maxBatch: Int
    private let firstBackoff: Duration
    private let maxBackoff: Duration
    private let write: Write
    private let logger: Logger
    private let state = Mutex(State())
    private let unwrittenGauge = Gauge(label: "session_connection_events_unwritten")
    private let failedWrites = Counter(label: "session_connection_writes_failed_total")

    init(
        maxBatch: Int, firstBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2), logger: Logger,
        write: @escaping Write
    ) {
        self.maxBatch = maxBatch
        self.firstBackoff = firstBackoff
        self.maxBackoff = maxBackoff
        self.logger = logger
        self.write = write
    }

    /// How many writes were attempted so far, failed ones included.
    var writesAttempted: Int { state.withLock { $0.writes } }

    /// Events not yet known to be in the database.
    var unwrittenCount: Int { state.withLock { $0.queued.count + $0.inFlight.count } }

    /// The newest unwritten event of each of `user`'s connections: what a database read of
    /// the user does not show yet.
    func unwrittenEvents(of user: String) -> [ConnectionState] {
        state.withLock { state in
            var latest: [String: ConnectionState] = [:]
            for (id, unwritten) in state.inFlight where unwritten.event.user == user { latest[id] = unwritten.event }
            for (id, unwritten) in state.queued where unwritten.event.user == user { latest[id] = unwritten.event }
            return Array(latest.values)
        }
    }

    func submit(_ event: ConnectionState, whenStored: @escaping @Sendable () -> Void) {
        let startWriter = state.withLock { state in
            if state.queued[event.connectionId] != nil {
                state.queued[event.connectionId]?.event = event
                state.queued[event.connectionId]?.whenStored.append(whenStored)
            } else {
                state.queued[event.connectionId] = Unwritten(event: event, whenStored: [whenStored])
                state.order.append(event.connectionId)
            }
            defer { state.writerRunning = true }
            return !state.writerRunning
        }
        recordUnwritten()
        if startWriter { Task { await self.writeUntilEmpty() } }
    }

    private func writeUntilEmpty() async {
        var backoff = firstBackoff
        while let batch = takeBatch() {
            do {
                try await write(batch.map(\.event))
                backoff = firstBackoff
                state.withLock { state in
                    for unwritten in batch { state.inFlight.removeValue(forKey: unwritten.event.connectionId) }
                }
                recordUnwritten()
                for unwritten in batch { unwritten.whenStored.forEach { $0() } }
            } catch {
                failedWrites.increment()
                putBack(batch)
                logger.warning(
                    "could not write connection events, trying again",
                    metadata: ["events": "\(batch.count)", "retryIn": "\(backoff)", "reason": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }

    /// Nil (and the writer stops) when nothing is queued.
    private func takeBatch() -> [Unwritten]? {
        state.withLock { state in
            guard !state.order.isEmpty else {
                state.writerRunning = false
                return nil
            }
            let ids = state.order.prefix(maxBatch)
            state.order.removeFirst(ids.count)
            let batch = ids.compactMap { state.queued.removeValue(forKey: $0) }
            for unwritten in batch { state.inFlight[unwritten.event.connectionId] = unwritten }
            state.writes += 1
            return batch
        }
    }

    /// A failed batch goes back to the front; where a newer event of the same connection
    /// came meanwhile, that one is written instead and answers for both.
    private func putBack(_ batch: [Unwritten]) {
        state.withLock { state in
            var front: [String] = []
            for unwritten in batch {
                let id = unwritten.event.connectionId
                state.inFlight.removeValue(forKey: id)
                if state.queued[id] != nil {
                    state.queued[id]?.whenStored.insert(contentsOf: unwritten.whenStored, at: 0)
                } else {
                    state.queued[id] = unwritten
                    front.append(id)
                }
            }
            state.order.insert(contentsOf: front, at: 0)
        }
    }

    private func recordUnwritten() {
        unwrittenGauge.record(unwrittenCount)
    }
}
