import Foundation
import Logging
import ObjectStore
import ServiceLifecycle

/// Deletes uploads never confirmed within the unconfirmed-upload TTL, object and record,
/// every sweep interval. A record is first moved to `expiring`, so a confirmation racing
/// the sweep is refused instead of confirming an object about to go; one whose
/// object could not be deleted stays `expiring` and is tried again next time. Several
/// instances may sweep at once: every step is idempotent.
struct UploadSweeper: Service {
    static let batchSize = 200

    let store: MediaStore
    let objects: ObjectStoreClient
    let limits: MediaLimits
    let metrics: MediaMetrics
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: limits.sweepInterval)
                guard !Task.isCancelled else { return }
                _ = await sweep()
            }
        }
    }

    /// One pass over everything due; returns how many uploads were deleted.
    @discardableResult
    func sweep(now: Date = Date()) async -> Int {
        let cutoff = Int64((now.timeIntervalSince1970 - Double(limits.unconfirmedUploadTTL.components.seconds)) * 1000)
        var deleted = 0
        while !Task.isCancelled {
            let due: [MediaRecord]
            do {
                due = try await store.unconfirmed(before: cutoff, limit: Self.batchSize)
            } catch {
                metrics.sweepFailures.increment()
                logger.error("unconfirmed uploads could not be listed", metadata: ["error": "\(error)"])
                return deleted
            }
            var progressed = false
            for record in due {
                do {
                    if try await remove(record) {
                        deleted += 1
                        progressed = true
                    }
                } catch {
                    metrics.sweepFailures.increment()
                    logger.warning("an unconfirmed upload could not be deleted", metadata: ["fileId": "\(record.id)", "error": "\(error)"])
                }
            }
            // A short batch was the last; a batch where nothing could be deleted would only repeat.
            if due.count < Self.batchSize || !progressed { break }
        }
        if deleted > 0 { logger.info("deleted unconfirmed uploads", metadata: ["count": "\(deleted)"]) }
        return deleted
    }

    private func remove(_ record: MediaRecord) async throws -> Bool {
        var state = record.state
        if state == .pending {
            guard try await store.transition(record.id, from: .pending, to: .expiring) else { return false }
            state = .expiring
        }
        try await objects.deleteObject(record.key)
        guard try await store.delete(record.id, in: state) else { return false }
        if record.state != .failed { metrics.swept.increment() }
        return true
    }
}
