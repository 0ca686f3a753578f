import Foundation
import Logging
import ServiceLifecycle

/// Runs the archiver every interval until shutdown (the first time one interval after
/// start), archiving what is older than `after`.
/// A failed run (object store or MongoDB down) is logged and counted, and the next one
/// retries after a shorter pause.
public struct ArchiveSchedule: Service {
    let archiver: HistoryArchiver
    let after: Duration
    let interval: Duration
    let logger: Logger

    public init(archiver: HistoryArchiver, after: Duration, interval: Duration, logger: Logger) {
        self.archiver = archiver
        self.after = after
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Stopping mid-run is safe: every step of a chunk can be interrupted (HistoryArchiver).
        // The first run comes an interval after start, not at it: a run visits every
        // conversation, and persistence instances restarted together (a crash, a rolling
        // restart) would otherwise all load the database at once while it is busiest.
        await cancelWhenGracefulShutdown {
            try? await archiver.prepare()
            var pause = interval
            while !Task.isCancelled {
                try? await Task.sleep(for: pause)
                guard !Task.isCancelled else { return }
                pause = await runOnce()
            }
        }
    }

    /// One run; returns how long to wait before the next.
    private func runOnce() async -> Duration {
        let now = Date()
        do {
            let summary = try await archiver.run(archivingBefore: now.addingTimeInterval(-Self.seconds(after)), now: now)
            if summary.busy {
                logger.debug("another archiver holds the lease")
            } else if summary.chunksWritten + summary.chunksRemoved + summary.chunksRecovered > 0 {
                logger.info(
                    "history archived",
                    metadata: [
                        "messages": "\(summary.archivedMessages)", "chunks": "\(summary.chunksWritten)",
                        "removedChunks": "\(summary.chunksRemoved)", "recoveredChunks": "\(summary.chunksRecovered)",
                    ])
            }
            return interval
        } catch {
            logger.warning("history archiving failed; retrying", metadata: ["error": "\(error)"])
            return min(interval, .seconds(30))
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
