/// What the operations of one bulk write did together.
public struct BulkWriteResult: Sendable, Equatable {
    public var insertedCount: Int
    /// Documents the update filters matched.
    public var matchedCount: Int
    /// Documents actually changed; a `$set` to the current value matches but does not modify.
    public var modifiedCount: Int
    public var deletedCount: Int
    /// Documents inserted by upserts.
    public var upsertedCount: Int
    /// The `_id` of each document an upsert inserted, keyed by the upsert's position in the
    /// list of operations.
    public var upsertedIDs: [Int: BSONValue]

    public init(
        insertedCount: Int = 0, matchedCount: Int = 0, modifiedCount: Int = 0, deletedCount: Int = 0,
        upsertedCount: Int = 0, upsertedIDs: [Int: BSONValue] = [:]
    ) {
        self.insertedCount = insertedCount
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.deletedCount = deletedCount
        self.upsertedCount = upsertedCount
        self.upsertedIDs = upsertedIDs
    }

    /// Reads libmongoc's bulk reply, whose counters are named after the legacy write commands
    /// (`nInserted`, `nRemoved`, ...) rather than the CRUD specification.
    init(reply: Document) {
        var upsertedIDs: [Int: BSONValue] = [:]
        for upsert in reply["upserted"]?.arrayValue ?? [] {
            guard let upsert = upsert.documentValue, let index = upsert["index"]?.intValue, let id = upsert["_id"] else {
                continue
            }
            upsertedIDs[index] = id
        }
        self.init(
            insertedCount: reply["nInserted"]?.intValue ?? 0,
            matchedCount: reply["nMatched"]?.intValue ?? 0,
            modifiedCount: reply["nModified"]?.intValue ?? 0,
            deletedCount: reply["nRemoved"]?.intValue ?? 0,
            upsertedCount: reply["nUpserted"]?.intValue ?? upsertedIDs.count,
            upsertedIDs: upsertedIDs)
    }
}
