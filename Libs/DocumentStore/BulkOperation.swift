/// One write of a `DocumentCollection.bulkWrite`, with the same meaning as the single-write
/// method of the same name.
public enum BulkOperation: Sendable, Equatable {
    case insertOne(Document)
    /// `update` is an update-operator document (`$set`, `$inc`, ...). With `upsert`, a filter
    /// that matches nothing inserts a document built from the filter's equalities and the update.
    case updateOne(filter: Document, update: Document, upsert: Bool = false)
    case updateMany(filter: Document, update: Document, upsert: Bool = false)
    case deleteOne(filter: Document)
    case deleteMany(filter: Document)
}
