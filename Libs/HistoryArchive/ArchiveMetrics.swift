import Metrics

/// The archiver's Prometheus series, made once.
public struct ArchiveMetrics: Sendable {
    let archivedMessages = Counter(label: "history_archived_messages_total")
    let chunksWritten = Counter(label: "history_archive_chunks_written_total")
    let chunksRemoved = Counter(label: "history_archive_chunks_removed_total")
    /// Runs that stopped on an error (the object store or MongoDB down); the next run retries.
    let failures = Counter(label: "history_archive_failures_total")
    /// Age of the oldest message MongoDB still holds, as of the last run: with archiving on
    /// it stays near `--archive-after-days`; growing past it means the archiver is behind.
    let oldestInDatabase = Gauge(label: "history_oldest_message_age_seconds")
    /// When the last run finished without an error (seconds since the epoch).
    let lastSuccess = Gauge(label: "history_archive_last_success_timestamp_seconds")

    public init() {}
}
