import Foundation
import Logging
import ServiceLifecycle

/// Deletes history and search entries older than their retention, every interval until
/// shutdown, the first time a minute after start.
///
/// A sweep deletes one conversation at a time through the order index (`HistoryStore`), in
/// place of a TTL index that every insert would pay for. Every persistence instance sweeps;
/// a second sweep of the same messages finds nothing to delete. A failed sweep (MongoDB
/// down) is logged and the next one comes sooner.
struct HistoryRetention: Service {
    let history: HistoryStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var pause = min(interval, .seconds(60))
            while !Task.isCancelled {
                try? await Task.sleep(for: pause)
                guard !Task.isCancelled else { return }
                pause = await sweepOnce()
            }
        }
    }

    /// One sweep; returns how long to wait before the next.
    private func sweepOnce() async -> Duration {
        do {
            let now = Date()
            let deleted = try await history.deleteExpired(now: now)
            let searchEntries = try await history.deleteExpiredSearchEntries(now: now)
            if deleted + searchEntries > 0 {
                logger.info(
                    "history past its retention deleted", metadata: ["messages": "\(deleted)", "searchEntries": "\(searchEntries)"])
            }
            return interval
        } catch {
            logger.warning("the history retention sweep failed; retrying", metadata: ["error": "\(error)"])
            return min(interval, .seconds(30))
        }
    }
}
