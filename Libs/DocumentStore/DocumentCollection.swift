import CMongoC

/// One collection of a `DocumentStore`. Cheap to create and to copy; every operation borrows
/// a pooled client for its duration.
public struct DocumentCollection: Sendable {
    public let database: String
    public let name: String
    let store: DocumentStore

    init(store: DocumentStore, database: String, name: String) {
        self.store = store
        self.database = database
        self.name = name
    }

    /// Runs `body` on a store thread with a `mongoc_collection_t` for this collection and an
    /// arena for the call's BSON arguments.
    func perform<R: Sendable>(
        _ body: @escaping @Sendable (_ collection: OpaquePointer, _ arena: BSONArena) throws -> R
    ) async throws -> R {
        try await store.withClient { [database, name] client, arena in
            let collection = mongoc_client_get_collection(client, database, name)!
            defer { mongoc_collection_destroy(collection) }
            return try body(collection, arena)
        }
    }
}

extension DocumentCollection {
    /// Another collection of the same database and store.
    public func sibling(_ name: String) -> DocumentCollection {
        DocumentCollection(store: store, database: database, name: name)
    }
}
