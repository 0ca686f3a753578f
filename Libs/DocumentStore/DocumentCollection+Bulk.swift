import CMongoC

extension DocumentCollection {
    /// Sends many writes in as few round trips as possible: the driver puts each run of
    /// consecutive operations of one kind (inserts, updates, deletes) into one command, split
    /// only where the server's message size limits demand. Callers that do not need an order
    /// should therefore list operations grouped by kind.
    ///
    /// Ordered, the operations run in list order and stop at the first failure; unordered,
    /// every operation is attempted. Either way the operations that succeeded stay applied and
    /// the first failure is thrown, `.duplicateKey` for a unique-index violation. An empty list
    /// writes nothing (the server would reject an empty bulk write).
    @discardableResult
    public func bulkWrite(_ operations: [BulkOperation], ordered: Bool = true) async throws -> BulkWriteResult {
        guard !operations.isEmpty else { return BulkWriteResult() }
        return try await perform { collection, arena in
            let options = try arena.bson(["ordered": .bool(ordered)])
            // Never NULL: invalid options are reported by `execute`.
            let bulk = mongoc_collection_create_bulk_operation_with_opts(collection, options)!
            defer { mongoc_bulk_operation_destroy(bulk) }
            for operation in operations {
                try Self.append(operation, to: bulk, arena: arena)
            }
            let reply = try MongocCall.reply { reply, error in
                // Returns the id of the server it wrote to, 0 on failure.
                mongoc_bulk_operation_execute(bulk, reply, &error) != 0
            }
            return BulkWriteResult(reply: reply)
        }
    }

    /// Adds one operation to `bulk`. libmongoc checks it here, not on the server: an update
    /// without operators, say, throws before anything is sent.
    private static func append(_ operation: BulkOperation, to bulk: OpaquePointer, arena: BSONArena) throws {
        var error = bson_error_t()
        let appended: Bool
        switch operation {
        case .insertOne(let document):
            appended = mongoc_bulk_operation_insert_with_opts(bulk, try arena.bson(document), nil, &error)
        case .updateOne(let filter, let update, let upsert):
            appended = mongoc_bulk_operation_update_one_with_opts(
                bulk, try arena.bson(filter), try arena.bson(update), try arena.bson(["upsert": .bool(upsert)]), &error)
        case .updateMany(let filter, let update, let upsert):
            appended = mongoc_bulk_operation_update_many_with_opts(
                bulk, try arena.bson(filter), try arena.bson(update), try arena.bson(["upsert": .bool(upsert)]), &error)
        case .deleteOne(let filter):
            appended = mongoc_bulk_operation_remove_one_with_opts(bulk, try arena.bson(filter), nil, &error)
        case .deleteMany(let filter):
            appended = mongoc_bulk_operation_remove_many_with_opts(bulk, try arena.bson(filter), nil, &error)
        }
        guard appended else { throw DocumentStoreError(error) }
    }
}
