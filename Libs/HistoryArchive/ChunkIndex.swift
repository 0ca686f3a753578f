import DocumentStore
import Foundation

/// The `history_chunks` collection: one `ChunkRecord` per archived chunk.
public struct ChunkIndex: Sendable {
    public static let collectionName = "history_chunks"
    /// States whose chunk holds readable messages.
    static let readable: BSONValue = .array([.string(ChunkRecord.State.written.rawValue), .string(ChunkRecord.State.archived.rawValue)])

    public let collection: DocumentCollection

    public init(collection: DocumentCollection) {
        self.collection = collection
    }

    public func createIndexes() async throws {
        // A page's chunks: one conversation's, newest (or oldest) first.
        try await collection.createIndex(["conversation": 1, "lastAt": 1, "firstAt": 1], name: "conversation_range")
        // The inbox: the conversations a user reads something archived in.
        try await collection.createIndex(["readers": 1, "lastAt": 1], name: "readers")
        try await collection.createIndex(["state": 1], name: "state")
    }

    func insert(_ record: ChunkRecord) async throws {
        try await collection.insertOne(record.document)
    }

    func setState(_ state: ChunkRecord.State, of key: String) async throws {
        _ = try await collection.updateOne(["_id": .string(key)], ["$set": ["state": .string(state.rawValue)]])
    }

    func remove(_ key: String) async throws {
        _ = try await collection.deleteOne(["_id": .string(key)])
    }

    func records(in state: ChunkRecord.State) async throws -> [ChunkRecord] {
        try await collection.find(["state": .string(state.rawValue)]).compactMap(ChunkRecord.init(document:))
    }

    /// Readable chunks whose newest message is older than `date`, at most `limit`.
    func expired(before date: Date, limit: Int) async throws -> [ChunkRecord] {
        try await collection.find(
            ["state": ["$in": Self.readable], "lastAt": ["$lt": .int64(Int64((date.timeIntervalSince1970 * 1000).rounded()))]],
            limit: limit
        ).compactMap(ChunkRecord.init(document:))
    }

    /// Readable chunks of `conversations` that `reader` reads something in and that reach past
    /// `cursor` in the direction of the page, in the order the page meets them: newest last
    /// message first for older pages, oldest first message first for newer ones.
    public func chunks(
        of conversations: [String], readBy reader: String, beyond cursor: HistoryPosition?, newestFirst: Bool,
        skip: Int, limit: Int
    ) async throws -> [ChunkRecord] {
        var filter: Document = [
            "conversation": ["$in": .array(conversations.map(BSONValue.string))], "readers": .string(reader),
            "state": ["$in": Self.readable],
        ]
        if let cursor {
            // Older pages need a chunk whose first message is before the cursor; newer pages
            // one whose last message is after it.
            filter["$or"] = newestFirst ? Self.positions("first", before: cursor) : Self.positions("last", after: cursor)
        }
        let order: BSONValue = .int32(newestFirst ? -1 : 1)
        let sort: Document = newestFirst
            ? ["lastAt": order, "lastSeq": order, "lastId": order] : ["firstAt": order, "firstSeq": order, "firstId": order]
        return try await collection.find(filter, sort: sort, limit: limit, skip: skip).compactMap(ChunkRecord.init(document:))
    }

    /// Each of `reader`'s conversations with anything archived, and the time of its newest
    /// archived chunk.
    public func latestByConversation(readBy reader: String) async throws -> [(conversation: String, at: Int64)] {
        let latest = try await collection.aggregate([
            ["$match": ["readers": .string(reader), "state": ["$in": Self.readable]]],
            ["$group": ["_id": "$conversation", "at": ["$max": "$lastAt"]]],
        ])
        return latest.compactMap { document in
            guard let conversation = document["_id"]?.stringValue, let at = document["at"]?.intValue else { return nil }
            return (conversation, Int64(at))
        }
    }

    private static func positions(_ side: String, before cursor: HistoryPosition) -> BSONValue {
        compare(side, cursor, "$lt")
    }

    private static func positions(_ side: String, after cursor: HistoryPosition) -> BSONValue {
        compare(side, cursor, "$gt")
    }

    private static func compare(_ side: String, _ cursor: HistoryPosition, _ comparison: String) -> BSONValue {
        .array([
            .document(["\(side)At": [comparison: .int64(cursor.at)]]),
            .document(["\(side)At": .int64(cursor.at), "\(side)Seq": [comparison: .int64(cursor.seq)]]),
            .document(["\(side)At": .int64(cursor.at), "\(side)Seq": .int64(cursor.seq), "\(side)Id": [comparison: .string(cursor.id)]]),
        ])
    }
}
