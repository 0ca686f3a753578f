import DocumentStore

/// Groups in the `groups` collection. Writes are conditional on the version read, so
/// concurrent changes to one group never overwrite each other: the loser reads again.
public struct GroupStore: Sendable {
    public static let collectionName = "groups"

    public let collection: DocumentCollection

    public init(collection: DocumentCollection) {
        self.collection = collection
    }

    public func createIndexes() async throws {
        _ = try await collection.createIndex(["memberNames": 1])
    }

    public func find(_ id: String) async throws -> Group? {
        try await collection.findOne(["_id": .string(id)], as: Group.self)
    }

    /// The groups `user` belongs to, oldest first.
    public func groups(of user: String) async throws -> [Group] {
        try await collection.find(["memberNames": .string(user)], sort: ["createdAt": 1], as: Group.self)
    }

    /// Stores a new group; false when one with its id exists already.
    public func insert(_ group: Group) async throws -> Bool {
        do {
            try await collection.insertOne(group)
            return true
        } catch DocumentStoreError.duplicateKey {
            return false
        }
    }

    /// Writes `group` with its version bumped if the stored one still has `group.version`;
    /// false when another change came first.
    public func replace(_ group: Group) async throws -> Bool {
        var next = group
        next.version += 1
        var fields = try Document(encoding: next)
        fields["_id"] = nil
        let result = try await collection.updateOne(
            ["_id": .string(group.id), "version": .int64(group.version)], ["$set": .document(fields)])
        return result.matchedCount == 1
    }

    /// Deletes the group if it is still at `group.version`.
    public func delete(_ group: Group) async throws -> Bool {
        try await collection.deleteOne(["_id": .string(group.id), "version": .int64(group.version)]) == 1
    }
}
