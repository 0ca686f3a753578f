import ArgumentParser
import ServiceKit

/// The archiver's flags, shared by persistence (which runs it) and `vartalap-admin
/// archive-history`.
public struct ArchiveOptions: ParsableArguments, Sendable {
    @Option(
        help: """
            Move history older than this many days to the object store (--s3-*); 0 keeps it all \
            in MongoDB (env ARCHIVE_AFTER_DAYS).
            """)
    public var archiveAfterDays: Int = EnvironmentDefault.int("ARCHIVE_AFTER_DAYS", 0)

    @Option(help: "How often the archiver runs, e.g. 3600, 30m, 1h (env ARCHIVE_INTERVAL).")
    public var archiveInterval: String = EnvironmentDefault.string("ARCHIVE_INTERVAL", "1h")

    @Option(help: "Days archived chunks are kept after their newest message; 0 keeps them forever (env ARCHIVE_RETENTION_DAYS).")
    public var archiveRetentionDays: Int = EnvironmentDefault.int("ARCHIVE_RETENTION_DAYS", 0)

    @Option(help: "The most messages in one archived chunk (env ARCHIVE_CHUNK_MESSAGES).")
    public var archiveChunkMessages: Int = EnvironmentDefault.int("ARCHIVE_CHUNK_MESSAGES", 1000)

    public init() {}

    public mutating func validate() throws {
        guard archiveAfterDays >= 0 else { throw ValidationError("--archive-after-days must not be negative") }
        guard archiveRetentionDays >= 0 else { throw ValidationError("--archive-retention-days must not be negative") }
        guard let interval = DurationText.parse(archiveInterval), interval >= .seconds(1) else {
            throw ValidationError("--archive-interval must be a duration such as 3600, 30m or 1h")
        }
        guard (1...100_000).contains(archiveChunkMessages) else { throw ValidationError("--archive-chunk-messages must be 1-100000") }
        if archiveRetentionDays > 0, archiveAfterDays > 0, archiveRetentionDays <= archiveAfterDays {
            throw ValidationError("--archive-retention-days must be longer than --archive-after-days")
        }
    }

    public var archives: Bool { archiveAfterDays > 0 }
    public var interval: Duration { DurationText.parse(archiveInterval) ?? .seconds(3600) }
    public var retention: Duration? { archiveRetentionDays > 0 ? .seconds(archiveRetentionDays * 86_400) : nil }

    public var summary: [String: String] {
        [
            "archiveAfterDays": "\(archiveAfterDays)", "archiveInterval": archiveInterval,
            "archiveRetentionDays": "\(archiveRetentionDays)", "archiveChunkMessages": "\(archiveChunkMessages)",
        ]
    }
}
