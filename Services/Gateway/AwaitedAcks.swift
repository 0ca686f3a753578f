import Foundation
import Synchronization

/// Messages this gateway wrote to a socket whose CLIENT_ACK has not come back through it
/// yet. A graceful stop waits for them: closing the sockets first would drop those acks,
/// and session-ms would then send the messages again (duplicates on the client).
final class AwaitedAcks: Sendable {
    private struct Key: Hashable {
        let user: String
        let messageId: String
    }

    private struct State {
        var writtenAt: [Key: ContinuousClock.Instant] = [:]
        var pruneAt = AwaitedAcks.pruneThreshold
    }

    /// A client that never acks leaves entries behind; past this many, the ones older
    /// than `abandonedAfter` go (and the next pruning waits until the map has doubled).
    static let pruneThreshold = 10_000
    /// An ack this late will not come: session-ms has retried or stored the message.
    static let abandonedAfter: Duration = .seconds(60)

    private let state = Mutex(State())

    func written(_ messageId: String, to user: String, at now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.writtenAt[Key(user: user, messageId: messageId)] = now
            guard state.writtenAt.count > state.pruneAt else { return }
            state.writtenAt = state.writtenAt.filter { now - $0.value < Self.abandonedAfter }
            state.pruneAt = max(Self.pruneThreshold, state.writtenAt.count * 2)
        }
    }

    func acknowledged(_ messageId: String, by user: String) {
        _ = state.withLock { $0.writtenAt.removeValue(forKey: Key(user: user, messageId: messageId)) }
    }

    /// How many written messages still wait for an ack that may come: written within
    /// the last `within`.
    func outstanding(within: Duration, now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { $0.writtenAt.values.count { now - $0 < within } }
    }
}
