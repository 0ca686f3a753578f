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

    mutating func validate() throws {
        guard offlineRetentionDays >= 1 else { throw ValidationError("--offline-retention-days must be at least 1") }
        guard historyRetentionDays >= 0 else { throw ValidationError("--history-retention-days must not be negative") }
    }

    var keepsHistory: Bool { historyRetentionDays > 0 }
}
