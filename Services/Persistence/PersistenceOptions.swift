import ArgumentParser
import ServiceKit

/// persistence's own flags.
struct PersistenceOptions: ParsableArguments, Sendable {
    @Option(help: "Days an undelivered message is kept before it expires unread (env OFFLINE_RETENTION_DAYS).")
    var offlineRetentionDays: Int = EnvironmentDefault.int("OFFLINE_RETENTION_DAYS", 30)

    @Option(
        help: """
            Days every chat message is kept in the conversation history, delivered or not; 0 keeps \
            no history (env HISTORY_RETENTION_DAYS).
            """)
    var historyRetentionDays: Int = EnvironmentDefault.int("HISTORY_RETENTION_DAYS", 0)

    @Option(
        help: """
            While the history's consumer is busy, the least milliseconds between two of its fetch \
            rounds: nobody waits on the history, and against a broker that answers empty fetches \
            at once (the local one) fetching without pause costs the broker, this process and, \
            through many small writes, the database; 0 fetches as the other consumers do. \
            Needs idle pausing (--kafka-idle-fetch-pause-ms > 0) (env HISTORY_FETCH_PACE_MS).
            """)
    var historyFetchPaceMs: Int = EnvironmentDefault.int("HISTORY_FETCH_PACE_MS", 100)

    @Option(
        help: """
            While the history's consumer is idle, the milliseconds between two looks for new \
            records (replaces --kafka-idle-probe-interval-ms for it alone): nobody waits on the \
            history, and every look costs this process and the broker a few wake-ups \
            (env HISTORY_IDLE_PROBE_INTERVAL_MS).
            """)
    var historyIdleProbeIntervalMs: Int = EnvironmentDefault.int("HISTORY_IDLE_PROBE_INTERVAL_MS", 200)

    @Flag(
        inversion: .prefixedNo,
        help: """
            Index the history's messages for search (GET /search); needs a history. Costs a \
            document per message and reader in search_terms (env SEARCH, default true).
            """)
    var search: Bool = EnvironmentDefault.bool("SEARCH", true)

    mutating func validate() throws {
        guard offlineRetentionDays >= 1 else { throw ValidationError("--offline-retention-days must be at least 1") }
        guard historyRetentionDays >= 0 else { throw ValidationError("--history-retention-days must not be negative") }
        guard (0...10_000).contains(historyFetchPaceMs) else { throw ValidationError("--history-fetch-pace-ms must be 0-10000") }
        guard (1...10_000).contains(historyIdleProbeIntervalMs) else {
            throw ValidationError("--history-idle-probe-interval-ms must be 1-10000")
        }
    }

    var keepsHistory: Bool { historyRetentionDays > 0 }
}
