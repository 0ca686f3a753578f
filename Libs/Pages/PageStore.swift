import DocumentStore

/// Pages in the `pages` collection; writes are conditional on the version read, as groups'.
public struct PageStore: Sendable {
    public static let collectionName = "pages"

    public let collection: DocumentCollection

    public init(collection: DocumentCollection) {
        self.collection = collection
    }

    public func createIndexes() async throws {
        try await collection.createIndex(["agents": 1], name: "agents")
    }

    public func find(_ id: String) async throws -> Page? {
        guard PageIds.isPageId(id) else { return nil }
        return try await collection.findOne(["_id": .string(id)], as: Page.self)
    }

    /// The pages `user` is an agent of, oldest first.
    public func pages(answeredBy user: String) async throws -> [Page] {
        try await collection.find(["agents": .string(user)], sort: ["createdAt": 1], as: Page.self)
    }

    public func insert(_ page: Page) async throws {
        try await collection.insertOne(page)
    }

    /// Writes `page` with its version bumped if the stored one is still at `page.version`;
    /// false when another change came first.
    public func replace(_ page: Page) async throws -> Bool {
        var next = page
        next.version += 1
        var fields = try Document(encoding: next)
        fields["_id"] = nil
        let result = try await collection.updateOne(
            ["_id": .string(page.id), "version": .int64(page.version)], ["$set": .document(fields)])
        return result.matchedCount == 1
    }
}
