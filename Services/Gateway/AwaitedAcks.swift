import Synchronization
import ServiceKit

/// Messages this gateway wrote to a socket whose CLIENT_ACK has not come back through it
/// yet. A graceful stop waits for them: closing the sockets first would drop those acks,
/// and session-ms would then send the messages again (duplicates on the client).
final class AwaitedAcks: Sendable {
    private struct Key: Hashable {
        let user: String
        let messageId: String
    }

    /// A client that never acks leaves entries behind; an ack this late will not come
    /// (session-ms has retried or stored the message), so they expire.
    private let written = Mutex(RecentEntries<Key, Void>(keptFor: .seconds(60), pruneThreshold: 10_000))

    func written(_ messageId: String, to user: String, at now: ContinuousClock.Instant = .now) {
        written.withLock { $0.set((), for: Key(user: user, messageId: messageId), at: now) }
    }

    func acknowledged(_ messageId: String, by user: String) {
        written.withLock { $0.removeValue(for: Key(user: user, messageId: messageId)) }
    }

    /// How many written messages still wait for an ack that may come: written within
    /// the last `within`.
    func outstanding(within: Duration, now: ContinuousClock.Instant = .now) -> Int {
        written.withLock { $0.count(within: within, at: now) }
    }
}
