import DocumentStore
import Foundation

/// The database's own rate at the conversation history's writes: unordered `insertMany`
/// of documents shaped like persistence's `history`, with the indexes copied from it, in a
/// scratch collection dropped afterwards. One client inserting in a loop keeps the database
/// busy, so the rate is about what one core of it takes: at 1,000 msg/s with the history
/// on, the history alone needs 1,000 of these a second.
enum HistoryInsertFloor {
    /// What the paced history writer inserts at once at ~1,000 msg/s (100 ms rounds).
    static let insertBatch = 100
    /// persistence's collection, whose indexes the scratch collection copies.
    static let historyCollection = "history"

    struct Result: CustomStringConvertible {
        let documents: Int
        let stored: Duration
        let indexes: Int

        var description: String {
            "\(documents) documents in batches of \(HistoryInsertFloor.insertBatch), \(indexes) indexes besides _id: "
                + "stored at \(Rate.perSecond(documents, stored))/s (\(stored))"
        }
    }

    /// Nil when this database has no history (persistence never ran with it on).
    static func measure(mongoURL: String, database: String, documents: Int) async throws -> Result? {
        let store = try DocumentStore(uri: mongoURL, maxConnections: 1)
        let indexes = try await store.collection(historyCollection, in: database).listIndexes().filter { $0.name != "_id_" }.count
        await store.close()
        guard indexes > 0 else { return nil }
        let stored = try await DatabaseFloor.withScratchCollection(
            copyingIndexesOf: historyCollection, mongoURL: mongoURL, database: database
        ) { collection in
            try await DatabaseFloor.insert((0..<documents).map(document), in: insertBatch, into: collection)
        }
        return Result(documents: documents, stored: stored, indexes: indexes)
    }

    /// A one-to-one message between two of 100 users, as `HistoryStore.record` writes it.
    private static func document(index: Int) -> Document {
        let users = ["floor-\(index % 100)", "floor-\((index * 7 + 1) % 100)"].sorted()
        let conversation = "u:\(users[0])\u{1F}\(users[1])"
        return [
            "_id": .string("\(conversation)\u{1F}m\(index)"),
            "conversation": .string(conversation),
            "id": .string("m\(index)"),
            "source": .string(users[0]),
            "at": .int64(Int64(index)),
            "seq": .int64(Int64(index)),
            "readers": .array(users.map(BSONValue.string)),
            "message": .string(String(repeating: "QUJD", count: 40)),
        ]
    }
}
