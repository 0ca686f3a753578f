import ArgumentParser
import ServiceKit

/// persistence's own flags.
struct PersistenceOptions: ParsableArguments, Sendable {
    @Option(help: "Days an undelivered message is kept before it expires unread (env OFFLINE_RETENTION_DAYS).")
    var offlineRetentionDays: Int = EnvironmentDefault.int("OFFLINE_RETENTION_DAYS", 30)

    mutating func validate() throws {
        guard offlineRetentionDays >= 1 else { throw ValidationError("--offline-retention-days must be at least 1") }
    }
}
