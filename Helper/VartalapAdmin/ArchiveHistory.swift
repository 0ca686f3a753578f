import ArgumentParser
import DocumentStore
import Foundation
import HistoryArchive
import ObjectStore
import ServiceKit

/// `vartalap-admin archive-history --older-than DURATION`: one archiver run now, as
/// persistence runs it every `--archive-interval`, then a summary. Safe beside a running
/// persistence: the two take turns through the archive lease.
struct ArchiveHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive-history",
        abstract: "Move the history older than --older-than from MongoDB to the object store now.",
        discussion: """
            e.g. --older-than 0s archives everything. Messages stay readable throughout: \
            GET /v1.0/conversations/{id}/messages reads MongoDB and the archive together. \
            Chunks past --archive-retention-days (when set) are removed in the same run.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var objectStore: ObjectStoreOptions
    @OptionGroup var archive: ArchiveOptions

    @Option(help: "Archive messages sent longer ago than this: 0s, 90m, 12h, 7d.")
    var olderThan: String

    @Option(help: "Seconds to wait for another archiver (persistence's) to finish its run.")
    var waitSeconds: Int = 120

    func validate() throws {
        try objectStore.requireConfigured()
        guard DurationText.parse(olderThan) != nil else { throw ValidationError("--older-than must be a duration such as 0s, 12h or 7d") }
        guard waitSeconds >= 0 else { throw ValidationError("--wait-seconds must not be negative") }
    }

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(
            common, extraSummary: objectStore.redactedSummary.merging(["olderThan": olderThan]) { first, _ in first })
        let database = try DocumentStore(uri: common.mongoUrl)
        let http = ObjectStoreClient.makeHTTPClient()
        do {
            let archiver = HistoryArchiver(
                database: database, databaseName: common.mongoDatabase,
                store: ObjectStoreClient(configuration: try objectStore.configuration(), httpClient: http),
                chunkMessages: archive.archiveChunkMessages, retention: archive.retention,
                owner: "vartalap-admin-\(ProcessInfo.processInfo.processIdentifier)", logger: environment.logger)
            try await archiver.prepare()
            let age = DurationText.parse(olderThan) ?? .zero
            let deadline = Date().addingTimeInterval(TimeInterval(waitSeconds))
            var summary: HistoryArchiver.Summary
            repeat {
                let now = Date()
                summary = try await archiver.run(archivingBefore: now.addingTimeInterval(-TimeInterval(age.components.seconds)), now: now)
                if summary.busy { try await Task.sleep(for: .seconds(1)) }
            } while summary.busy && Date() < deadline
            guard !summary.busy else { throw ValidationError("another archiver held the lease for \(waitSeconds) s; try again") }
            print(
                "archived \(summary.archivedMessages) messages in \(summary.chunksWritten) chunks; "
                    + "removed \(summary.chunksRemoved) expired chunks; finished \(summary.chunksRecovered) left by an interrupted run; "
                    + "oldest message left in MongoDB: \(summary.oldestInDatabase.map { ISO8601DateFormatter().string(from: $0) } ?? "none")")
        } catch {
            try? await http.shutdown()
            await database.close()
            throw error
        }
        try await http.shutdown()
        await database.close()
    }
}
