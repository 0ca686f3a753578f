/// What an update did.
public struct UpdateResult: Sendable, Equatable {
    /// Documents the filter matched.
    public var matchedCount: Int
    /// Documents actually changed; a `$set` to the current value matches but does not modify.
    public var modifiedCount: Int
    /// 1 when an upsert inserted a new document, else 0.
    public var upsertedCount: Int
    /// The `_id` of the document an upsert inserted.
    public var upsertedID: BSONValue?

    public init(matchedCount: Int, modifiedCount: Int, upsertedCount: Int, upsertedID: BSONValue?) {
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.upsertedCount = upsertedCount
        self.upsertedID = upsertedID
    }

    init(reply: Document) {
        let upsertedID = reply["upsertedId"]
        self.init(
            matchedCount: reply["matchedCount"]?.intValue ?? 0,
            modifiedCount: reply["modifiedCount"]?.intValue ?? 0,
            upsertedCount: reply["upsertedCount"]?.intValue ?? (upsertedID == nil ? 0 : 1),
            upsertedID: upsertedID)
    }
}
