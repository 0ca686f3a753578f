import Foundation
import Logging

/// Stored copies that wait for the connection event that sent them out.
extension DeliveryCoordinator {
    /// Kafka orders records within a partition only: the stored copy can be read before
    /// the CONNECTED on `user-connection-state` that made persistence send it. Calling the
    /// recipient offline then would put it back in storage until the next connect, so it
    /// waits for that event (or `connectionWait`, then looks the user up afresh).
    func awaitConnection(_ key: AckKey) {
        // Nothing reached the recipient: this was not a delivery attempt.
        pending[key]?.attempt -= 1
        pending[key]?.awaitedConnection = true
        if awaitingConnection[key.user] != nil {
            awaitingConnection[key.user]?.keys.append(key)
        } else {
            let waitEnd = Task { [self, timer, wait = options.connectionWait] in
                try? await timer.sleep(wait)
                if !Task.isCancelled { self.connectionWaitTimedOut(key.user) }
            }
            awaitingConnection[key.user] = ([key], waitEnd)
        }
        recordAwaitingCount()
    }

    /// After a connection event of `user` was applied: tries again what it was waited for.
    func connectionEventApplied(_ user: String) {
        restartOrderWait(of: user)
        guard let waiting = awaitingConnection[user] else { return }
        let (ready, still) = waiting.keys.reduce(into: ([AckKey](), [AckKey]())) { split, key in
            let connectedAt = pending[key]?.recipientConnectedAt ?? 0
            if directory.hasAppliedEvent(of: user, since: connectedAt) { split.0.append(key) } else { split.1.append(key) }
        }
        if still.isEmpty {
            waiting.timer.cancel()
            awaitingConnection.removeValue(forKey: user)
        } else {
            awaitingConnection[user]?.keys = still
        }
        waitsEndedByEvent.increment(by: ready.count)
        retry(ready, of: user)
    }

    func connectionWaitTimedOut(_ user: String) {
        guard let waiting = awaitingConnection.removeValue(forKey: user) else { return }
        waitsEndedByTimeout.increment(by: waiting.keys.count)
        // The event may have been applied by another instance: read the directory itself.
        directory.invalidate(user)
        retry(waiting.keys, of: user)
    }

    func retry(_ keys: [AckKey], of user: String) {
        recordAwaitingCount()
        for key in keys {
            chain(for: user) { [self] in await self.attempt(key) }
        }
    }

    func recordAwaitingCount() {
        awaitingGauge.record(awaitingConnection.values.reduce(0) { $0 + $1.keys.count })
    }
}
