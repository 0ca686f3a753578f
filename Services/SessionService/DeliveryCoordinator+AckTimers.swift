import Foundation
import Logging

/// The ack timeout of each delivery attempt: push again with backoff, or store once the
/// attempts are used up; patient while reading lags behind the broker.
extension DeliveryCoordinator {
    func armAckTimer(_ key: AckKey, attempt: Int, after wait: Duration) {
        pending[key]?.ackTimer = Task { [self] in
            try? await timer.sleep(wait)
            if !Task.isCancelled { await self.ackTimedOut(key, attempt: attempt) }
        }
    }

    func ackTimedOut(_ key: AckKey, attempt: Int) async {
        guard let entry = pending[key], entry.attempt == attempt else { return }
        // The ack may be on the topic, unread: wait for reading to catch up before pushing
        // the message again.
        if let extra = readingLag.extraWait(at: .now, extended: entry.patience, limit: ReadingLag.maxPatience) {
            pending[key]?.patience += extra
            armAckTimer(key, attempt: attempt, after: extra)
            return
        }
        if attempt < options.maxDeliveryAttempts {
            retryCounter.increment()
            chain(for: key.user) { [self] in await self.attempt(key) }
        } else {
            pending.removeValue(forKey: key)
            logger.tracking(entry.trackId).info(
                "no ack after \(attempt) deliveries, storing", metadata: ["recipient": "\(key.user)", "id": "\(key.messageId)"])
            await storeOffline(entry, reachedRecipient: true)
        }
    }
}
