import DocumentStore
import Foundation

/// The database's own speed at the offline path's three steps, measured with the queries
/// persistence makes but nothing else: no broker, no services. It puts the offline rates in
/// proportion, as the broker floor does for latency.
///
/// The documents have the shape of persistence's `offline_messages`, and the indexes are
/// copied from it, in a scratch collection that is dropped afterwards:
/// - store: unordered `insertMany` of up to 1,000 documents, one after another;
/// - read: each recipient's messages oldest first, 500 per query, continuing after the last;
/// - delete: per recipient, `deleteMany` of up to 1,000 ids with `$in`.
enum DatabaseFloor {
    struct Result: CustomStringConvertible {
        let documents: Int
        let stored: Duration
        let read: Duration
        let deleted: Duration

        var description: String {
            "\(documents) documents: stored at \(Rate.perSecond(documents, stored))/s (\(stored)), "
                + "read at \(Rate.perSecond(documents, read))/s, deleted at \(Rate.perSecond(documents, deleted))/s"
        }
    }

    static let insertBatch = 1000
    static let readPage = 500
    static let deleteBatch = 1000

    static func measure(mongoURL: String, database: String, recipients: Int, documents: Int) async throws -> Result {
        try await withScratchCollection(copyingIndexesOf: offlineCollection, mongoURL: mongoURL, database: database) {
            try await measure($0, recipients: recipients, documents: documents)
        }
    }

    /// Runs `body` on a scratch collection with the indexes of `source` (persistence's own),
    /// and drops it afterwards whatever happens.
    static func withScratchCollection<T>(
        copyingIndexesOf source: String, mongoURL: String, database: String,
        _ body: (DocumentCollection) async throws -> T
    ) async throws -> T {
        let store = try DocumentStore(uri: mongoURL, maxConnections: 1)
        let collection = store.collection("floor_\(UUID().uuidString.prefix(8).lowercased())", in: database)
        do {
            try await copyIndexes(from: store.collection(source, in: database), to: collection)
            let result = try await body(collection)
            try await collection.drop()
            await store.close()
            return result
        } catch {
            try? await collection.drop()
            await store.close()
            throw error
        }
    }

    /// Unordered `insertMany` of `documents`, `batch` at a time, one after another; how long it took.
    static func insert(_ documents: [Document], in batch: Int, into collection: DocumentCollection) async throws -> Duration {
        try await ContinuousClock().measure {
            for start in stride(from: 0, to: documents.count, by: batch) {
                _ = try await collection.insertMany(Array(documents[start..<min(start + batch, documents.count)]), ordered: false)
            }
        }
    }

    /// persistence's collection, whose indexes the scratch collection copies.
    static let offlineCollection = "offline_messages"

    private static func measure(_ collection: DocumentCollection, recipients: Int, documents: Int) async throws -> Result {
        let names = (0..<recipients).map { "r\($0)" }
        let all = (0..<documents).map { document(index: $0, recipient: names[$0 % recipients]) }

        let stored = try await insert(all, in: insertBatch, into: collection)
        let clock = ContinuousClock()
        var readCount = 0
        let read = try await clock.measure {
            for recipient in names { readCount += try await readAll(of: recipient, from: collection) }
        }
        guard readCount == documents else {
            throw Login.Failed(description: "database floor read \(readCount) of \(documents) documents")
        }
        var deletedCount = 0
        let deleted = try await clock.measure {
            for start in stride(from: 0, to: all.count, by: deleteBatch) {
                deletedCount += try await delete(all[start..<min(start + deleteBatch, all.count)], from: collection)
            }
        }
        guard deletedCount == documents else {
            throw Login.Failed(description: "database floor deleted \(deletedCount) of \(documents) documents")
        }
        return Result(documents: documents, stored: stored, read: read, deleted: deleted)
    }

    /// Indexes cost most of an insert here, so the floor takes them from what persistence
    /// actually created rather than from a copy of its definitions that could drift.
    private static func copyIndexes(from source: DocumentCollection, to target: DocumentCollection) async throws {
        let indexes = try await source.listIndexes().filter { $0.name != "_id_" }
        guard !indexes.isEmpty else {
            throw Login.Failed(
                description: "\(source.database).\(source.name) has no indexes: start persistence against this database first")
        }
        for index in indexes {
            try await target.createIndex(
                index.keys, unique: index.isUnique, expireAfterSeconds: index.expireAfterSeconds, name: index.name)
        }
    }

    /// About the size of a stored one-line text message: its protobuf, base64.
    private static let body = BSONValue.string(String(repeating: "QUJD", count: 40))

    private static func document(index: Int, recipient: String) -> Document {
        [
            "recipient": .string(recipient),
            "source": "floor-sender",
            "id": .string("m\(index)"),
            "serverTimestamp": .int64(Int64(index)),
            "sequence": .int64(Int64(index)),
            "message": body,
            "trackId": .string("t\(index)"),
            "expireAt": .date(Date().addingTimeInterval(86_400)),
        ]
    }

    /// Pages through one recipient's documents the way redelivery does and counts them.
    private static func readAll(of recipient: String, from collection: DocumentCollection) async throws -> Int {
        let order: Document = ["serverTimestamp": 1, "sequence": 1, "_id": 1]
        var count = 0
        var last: Document?
        repeat {
            var filter: Document = ["recipient": .string(recipient)]
            if let last, let timestamp = last["serverTimestamp"], let sequence = last["sequence"], let id = last["_id"] {
                filter["$or"] = [
                    ["serverTimestamp": ["$gt": timestamp]],
                    ["serverTimestamp": timestamp, "sequence": ["$gt": sequence]],
                    ["serverTimestamp": timestamp, "sequence": sequence, "_id": ["$gt": id]],
                ]
            }
            let page = try await collection.find(filter, sort: order, limit: readPage + 1)
            count += min(page.count, readPage)
            last = page.count > readPage ? page[readPage - 1] : nil
        } while last != nil
        return count
    }

    private static func delete(_ documents: ArraySlice<Document>, from collection: DocumentCollection) async throws -> Int {
        var ids: [String: [BSONValue]] = [:]
        for document in documents {
            guard let recipient = document["recipient"]?.stringValue, let id = document["id"] else { continue }
            ids[recipient, default: []].append(id)
        }
        var deleted = 0
        for (recipient, recipientIDs) in ids {
            deleted += try await collection.deleteMany(["recipient": .string(recipient), "id": ["$in": .array(recipientIDs)]])
        }
        return deleted
    }
}
