import DocumentStore

/// One upload as media-ms remembers it.
struct MediaRecord: Codable, Sendable, Equatable {
    enum State: String, Codable, Sendable {
        /// A URL was handed out; the owner has not said how the upload went.
        case pending
        /// The owner confirmed it and the object checked out.
        case uploaded
        /// The owner said it failed, or the object was refused; the object is gone.
        case failed
        /// Never confirmed in time: the sweeper is deleting it.
        case expiring
    }

    let id: String
    let owner: String
    let category: String
    let ext: String
    let contentType: String
    let key: String
    /// The size the owner declared (`size=`), signed into the upload URL; nil when not given.
    let declaredSize: Int?
    var state: State
    /// Milliseconds since the epoch.
    let createdAt: Int64
    var size: Int?

    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case owner, category, ext, contentType, key, declaredSize, state, createdAt, size
    }
}

/// Upload records in the `media_files` collection. State changes are conditional on the
/// state read, so a confirmation and the sweeper never both win.
struct MediaStore: Sendable {
    static let collectionName = "media_files"

    let collection: DocumentCollection

    func createIndexes() async throws {
        _ = try await collection.createIndex(["state": 1, "createdAt": 1])
        _ = try await collection.createIndex(["owner": 1, "state": 1])
    }

    func insert(_ record: MediaRecord) async throws {
        try await collection.insertOne(record)
    }

    /// How many uploads of `owner` still wait for their report.
    func pendingCount(of owner: String) async throws -> Int {
        try await collection.count(["owner": .string(owner), "state": .string(MediaRecord.State.pending.rawValue)])
    }

    func find(_ id: String) async throws -> MediaRecord? {
        try await collection.findOne(["_id": .string(id)], as: MediaRecord.self)
    }

    /// Moves the record from `from` to `to` (and sets `size` when given); false when it was
    /// not in `from` any more.
    func transition(_ id: String, from: MediaRecord.State, to: MediaRecord.State, size: Int? = nil) async throws -> Bool {
        var fields: Document = ["state": .string(to.rawValue)]
        if let size { fields["size"] = .int64(Int64(size)) }
        let result = try await collection.updateOne(["_id": .string(id), "state": .string(from.rawValue)], ["$set": .document(fields)])
        return result.matchedCount == 1
    }

    /// Records not confirmed (pending, failed, or left expiring by an earlier sweep) and created
    /// before `cutoff` (ms since the epoch), oldest first.
    func unconfirmed(before cutoff: Int64, limit: Int) async throws -> [MediaRecord] {
        try await collection.find(
            [
                "state": .document(["$in": .array(
                    [MediaRecord.State.pending, .expiring, .failed].map { .string($0.rawValue) })]),
                "createdAt": .document(["$lt": .int64(cutoff)]),
            ],
            sort: ["createdAt": 1], limit: limit, as: MediaRecord.self)
    }

    func delete(_ id: String, in state: MediaRecord.State) async throws -> Bool {
        try await collection.deleteOne(["_id": .string(id), "state": .string(state.rawValue)]) == 1
    }
}
