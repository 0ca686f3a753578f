import DocumentStore
import Foundation
import Logging
import ObjectStore

/// Moves history older than a cutoff from MongoDB into chunks in the object store.
///
/// Each chunk goes through four steps, each safe to stop after (a `kill -9` anywhere):
/// 1. its record is inserted as `writing` (MongoDB still has the messages; readers ignore it);
/// 2. the object is written, read back and checked (count and SHA-256), and the record set
///    to `written` (readers now find each message in both places and keep it once);
/// 3. MongoDB's copies are deleted by id;
/// 4. the record is set to `archived`.
/// A run first finishes what an earlier one left: a `writing` chunk is thrown away (object
/// and record, its messages are still in MongoDB), a `written` one gets steps 3 and 4.
public struct HistoryArchiver: Sendable {
    public struct Summary: Sendable, Equatable {
        public var archivedMessages = 0
        public var chunksWritten = 0
        public var chunksRemoved = 0
        /// Chunks an interrupted run left, finished or thrown away.
        public var chunksRecovered = 0
        /// Another archiver held the lease: nothing was done.
        public var busy = false
        /// When the oldest message left in MongoDB was sent, nil when none is left.
        public var oldestInDatabase: Date?
    }

    public static let historyCollection = "history"

    let history: DocumentCollection
    let index: ChunkIndex
    let store: ObjectStoreClient
    let lease: ArchiveLease
    let chunkMessages: Int
    let retention: Duration?
    let metrics: ArchiveMetrics
    let logger: Logger

    /// - Parameters:
    ///   - chunkMessages: the most messages in one chunk.
    ///   - retention: chunks whose newest message is older are removed; nil keeps them.
    public init(
        database: DocumentStore, databaseName: String, store: ObjectStoreClient, chunkMessages: Int,
        retention: Duration?, owner: String, metrics: ArchiveMetrics = ArchiveMetrics(), logger: Logger
    ) {
        history = database.collection(Self.historyCollection, in: databaseName)
        index = ChunkIndex(collection: database.collection(ChunkIndex.collectionName, in: databaseName))
        lease = ArchiveLease(
            collection: database.collection(ArchiveLease.collectionName, in: databaseName), owner: owner, duration: .seconds(30))
        self.store = store
        self.chunkMessages = chunkMessages
        self.retention = retention
        self.metrics = metrics
        self.logger = logger
    }

    /// The chunk index's indexes and the bucket (which media-ms may have made already).
    public func prepare() async throws {
        try await index.createIndexes()
        try await store.createBucket()
    }

    /// One pass: archives every message sent before `cutoff`, then removes chunks past the
    /// retention. Throws (after counting a failure) when MongoDB or the store fails; what was
    /// done stays done and the next run goes on from there.
    public func run(archivingBefore cutoff: Date, now: Date = Date()) async throws -> Summary {
        var summary = Summary()
        guard try await lease.acquire(now: now) else {
            summary.busy = true
            return summary
        }
        do {
            summary.chunksRecovered = try await recover()
            try await archiveConversations(before: cutoff, now: now, into: &summary)
            if let retention {
                summary.chunksRemoved = try await removeChunks(before: now.addingTimeInterval(-TimeInterval(retention.components.seconds)))
            }
            try await lease.release()
        } catch {
            metrics.failures.increment()
            try? await lease.release()
            throw error
        }
        metrics.lastSuccess.record(Date().timeIntervalSince1970)
        if let oldest = summary.oldestInDatabase {
            metrics.oldestInDatabase.record(max(0, now.timeIntervalSince(oldest)))
        } else {
            metrics.oldestInDatabase.record(0)
        }
        return summary
    }

    /// Visits every conversation once, from its oldest message (one index seek each).
    private func archiveConversations(before cutoff: Date, now: Date, into summary: inout Summary) async throws {
        let cutoffMilliseconds = Int64((cutoff.timeIntervalSince1970 * 1000).rounded())
        var previous: String?
        var oldest: Int64?
        while true {
            var filter: Document = [:]
            if let previous { filter["conversation"] = ["$gt": .string(previous)] }
            guard let first = try await history.findOne(filter, sort: Self.order(1)),
                let conversation = first["conversation"]?.stringValue
            else { break }
            previous = conversation
            var oldestLeft = first["at"]?.intValue.map(Int64.init)
            if let firstAt = oldestLeft, firstAt < cutoffMilliseconds {
                try await archive(conversation, before: cutoffMilliseconds, now: now, into: &summary)
                oldestLeft = try await history.findOne(["conversation": .string(conversation)], sort: Self.order(1))?["at"]?
                    .intValue.map(Int64.init)
            }
            if let oldestLeft { oldest = min(oldest ?? oldestLeft, oldestLeft) }
        }
        summary.oldestInDatabase = oldest.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }

    /// One conversation's messages before the cutoff, a chunk at a time, oldest first.
    private func archive(_ conversation: String, before cutoffMilliseconds: Int64, now: Date, into summary: inout Summary) async throws {
        while true {
            let documents = try await history.find(
                ["conversation": .string(conversation), "at": ["$lt": .int64(cutoffMilliseconds)]],
                sort: Self.order(1), limit: chunkMessages)
            let messages = documents.compactMap(ArchivedMessage.init(document:))
            if messages.count < documents.count {
                // Every history document has these fields; one without them is left where it is.
                logger.error("history documents without their fields are not archived", metadata: ["conversation": "\(conversation)"])
                return
            }
            if !messages.isEmpty {
                try await archive(messages, of: conversation, now: now)
                summary.archivedMessages += messages.count
                summary.chunksWritten += 1
                try await renewLease()
            }
            if documents.count < chunkMessages { return }
        }
    }

    /// The four steps of one chunk.
    private func archive(_ messages: [ArchivedMessage], of conversation: String, now: Date) async throws {
        let chunk = ArchiveChunk(messages: messages)
        let (object, count, sha256) = try await chunk.encodedOffLoop()
        let key = ChunkKey.make(conversation: conversation, first: messages[0].position)
        var readers: [String] = []
        for reader in messages.flatMap(\.readers) where !readers.contains(reader) { readers.append(reader) }
        let record = ChunkRecord(
            key: key, conversation: conversation, state: .writing, count: count, sha256: sha256, bytes: object.count,
            first: messages[0].position, last: messages[messages.count - 1].position, readers: readers, createdAt: now)
        try await index.insert(record)
        _ = try await store.putObject(key, bytes: object, contentType: ArchiveChunk.contentType)
        let stored = try await store.getObject(key, maxBytes: object.count + 1024)
        do {
            _ = try await ArchiveChunk.decodeOffLoop(Data(stored.body.readableBytesView), as: record)
        } catch {
            try? await store.deleteObject(key)
            try? await index.remove(key)
            throw error
        }
        try await index.setState(.written, of: key)
        try await purge(messages.map(\.documentId), of: key)
        metrics.archivedMessages.increment(by: messages.count)
        metrics.chunksWritten.increment()
    }

    /// Ids per delete: the local database's `$in` costs grow with the list's length (0.6 ms
    /// a document at 100, 1.7 at 500, 3.4 at 1,000); MongoDB's do not.
    static let deleteBatch = 100

    /// Steps 3 and 4.
    private func purge(_ documentIds: [String], of key: String) async throws {
        for start in stride(from: 0, to: documentIds.count, by: Self.deleteBatch) {
            let batch = documentIds[start..<min(start + Self.deleteBatch, documentIds.count)]
            _ = try await history.deleteMany(["_id": ["$in": .array(batch.map(BSONValue.string))]])
        }
        try await index.setState(.archived, of: key)
    }

    /// Finishes or throws away what an interrupted run left; returns how many chunks.
    private func recover() async throws -> Int {
        var recovered = 0
        for record in try await index.records(in: .writing) {
            do {
                try await store.deleteObject(record.key)
            } catch ObjectStoreError.notFound {
                // Stopped before the object was written.
            }
            try await index.remove(record.key)
            recovered += 1
            try await renewLease()
        }
        for record in try await index.records(in: .written) {
            let object = try await store.getObject(record.key, maxBytes: record.bytes + 1024)
            let chunk = try await ArchiveChunk.decodeOffLoop(Data(object.body.readableBytesView), as: record)
            try await purge(chunk.messages.map(\.documentId), of: record.key)
            recovered += 1
            try await renewLease()
        }
        for record in try await index.records(in: .removing) {
            try await removeChunk(record)
            recovered += 1
        }
        if recovered > 0 { logger.info("finished an interrupted archive run", metadata: ["chunks": "\(recovered)"]) }
        return recovered
    }

    private func removeChunks(before date: Date) async throws -> Int {
        var removed = 0
        while true {
            let expired = try await index.expired(before: date, limit: 100)
            for record in expired {
                try await index.setState(.removing, of: record.key)
                try await removeChunk(record)
                removed += 1
            }
            if expired.count < 100 { break }
        }
        return removed
    }

    private func removeChunk(_ record: ChunkRecord) async throws {
        do {
            try await store.deleteObject(record.key)
        } catch ObjectStoreError.notFound {
            // Removed before an interruption.
        }
        try await index.remove(record.key)
        metrics.chunksRemoved.increment()
    }

    /// Another archiver took the lease (this one was too slow to renew it): stop, and leave
    /// the rest to it.
    struct LeaseLost: Error {}

    private func renewLease() async throws {
        guard try await lease.acquire(now: Date()) else { throw LeaseLost() }
    }

    private static func order(_ direction: Int32) -> Document {
        ["conversation": .int32(direction), "at": .int32(direction), "seq": .int32(direction), "_id": .int32(direction)]
    }
}
