import Synchronization

/// What one load run saw, message by message: sent, server-acked, delivered (and how often).
final class RunTally: Sendable {
    private struct State {
        var sentAt: [String: UInt64] = [:]
        /// Sent after the warm-up: only these count in the latencies.
        var measured: Set<String> = []
        var acked: Set<String> = []
        var deliveries: [String: Int] = [:]
        var errors: [String: Int] = [:]
    }

    private let state = Mutex(State())
    let serverAckLatency = LatencyRecorder()
    let endToEndLatency = LatencyRecorder()

    func sent(_ id: String, at microseconds: UInt64, measured: Bool) {
        state.withLock { state in
            state.sentAt[id] = microseconds
            if measured { state.measured.insert(id) }
        }
    }

    func serverAcked(_ id: String, at now: UInt64) {
        let sentAt = state.withLock { state -> UInt64? in
            guard state.acked.insert(id).inserted, state.measured.contains(id) else { return nil }
            return state.sentAt[id]
        }
        if let sentAt, now >= sentAt { serverAckLatency.record(microseconds: now - sentAt) }
    }

    /// `sentAt` is the time the message itself carries, as the recipient reads it.
    func delivered(_ id: String, sentAt: UInt64?, at now: UInt64) {
        let measuredFirst = state.withLock { state -> Bool in
            state.deliveries[id, default: 0] += 1
            return state.deliveries[id] == 1 && state.measured.contains(id)
        }
        if measuredFirst, let sentAt, now >= sentAt { endToEndLatency.record(microseconds: now - sentAt) }
    }

    func error(_ reason: String) {
        state.withLock { $0.errors[reason, default: 0] += 1 }
    }

    /// How many messages were sent and server-acked: cheap, unlike `counts`, for pacing a
    /// sender and reporting progress.
    var sentCount: Int { state.withLock { $0.sentAt.count } }
    var serverAckedCount: Int { state.withLock { $0.acked.count } }

    /// The ids the server acked, and the keys delivered (`<id>@<recipient>` for runs that
    /// count each recipient): for runs whose senders and recipients keep separate tallies.
    var ackedIds: Set<String> { state.withLock { $0.acked } }
    var deliveredKeys: Set<String> { state.withLock { Set($0.deliveries.keys) } }

    struct Counts {
        let sent: Int
        let serverAcked: Int
        let delivered: Int
        let duplicates: Int
        /// Server-acked, so the server promised it, yet never delivered.
        let lost: Int
        let errors: [String: Int]
    }

    var counts: Counts {
        state.withLock { state in
            let lost = state.acked.filter { state.deliveries[$0] == nil }.count
            return Counts(
                sent: state.sentAt.count, serverAcked: state.acked.count, delivered: state.deliveries.count,
                duplicates: state.deliveries.values.reduce(0) { $0 + max(0, $1 - 1) }, lost: lost, errors: state.errors)
        }
    }
}
