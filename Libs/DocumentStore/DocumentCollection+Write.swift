import CMongoC

extension DocumentCollection {
    /// Inserts one document; the server adds an ObjectId `_id` when it has none.
    /// Throws `.duplicateKey` when a unique index already holds its key.
    public func insertOne(_ document: Document) async throws {
        try await perform { collection, arena in
            let document = try arena.bson(document)
            _ = try MongocCall.reply { reply, error in
                mongoc_collection_insert_one(collection, document, nil, reply, &error)
            }
        }
    }

    public func insertOne<T: Encodable>(_ value: T) async throws {
        try await insertOne(Document(encoding: value))
    }

    /// Inserts all documents in one round trip (the driver splits only batches larger than
    /// the server accepts in one message) and returns how many were inserted.
    ///
    /// Ordered, the insert stops at the first failure and keeps the documents before it;
    /// unordered, it inserts every document it can. Either way the failure is then thrown,
    /// `.duplicateKey` for a unique-index violation.
    @discardableResult
    public func insertMany(_ documents: [Document], ordered: Bool = true) async throws -> Int {
        guard !documents.isEmpty else { return 0 }
        return try await perform { collection, arena in
            var pointers: [OpaquePointer?] = try documents.map(arena.bson)
            let options = try arena.bson(["ordered": .bool(ordered)])
            let reply = try MongocCall.reply { reply, error in
                mongoc_collection_insert_many(collection, &pointers, pointers.count, options, reply, &error)
            }
            return reply["insertedCount"]?.intValue ?? documents.count
        }
    }

    @discardableResult
    public func insertMany<T: Encodable>(_ values: [T], ordered: Bool = true) async throws -> Int {
        try await insertMany(values.map { try Document(encoding: $0) }, ordered: ordered)
    }

    /// Applies an update-operator document (`$set`, `$unset`, `$inc`, `$push`, `$pull`,
    /// `$addToSet`, ...) to the first document matching `filter`. With `upsert`, a filter that
    /// matches nothing inserts a document built from the filter's equalities and the update.
    @discardableResult
    public func updateOne(_ filter: Document, _ update: Document, upsert: Bool = false) async throws -> UpdateResult {
        try await self.update(filter, update, upsert: upsert, many: false)
    }

    /// Like `updateOne`, applied to every document matching `filter`.
    @discardableResult
    public func updateMany(_ filter: Document, _ update: Document, upsert: Bool = false) async throws -> UpdateResult {
        try await self.update(filter, update, upsert: upsert, many: true)
    }

    /// Updates the first document matching `filter` in `sort` order and returns it as it is
    /// after the update (`returnNew`) or before it; nil when nothing matched and no upsert ran,
    /// or when `returnNew` is false and the upsert inserted the document.
    public func findOneAndUpdate(
        _ filter: Document, _ update: Document, sort: Document? = nil, projection: Document? = nil,
        returnNew: Bool = true, upsert: Bool = false
    ) async throws -> Document? {
        try await perform { collection, arena in
            let filter = try arena.bson(filter)
            let update = try arena.bson(update)
            let sort = try sort.map(arena.bson)
            let projection = try projection.map(arena.bson)
            let options = mongoc_find_and_modify_opts_new()
            defer { mongoc_find_and_modify_opts_destroy(options) }
            var flags = MONGOC_FIND_AND_MODIFY_NONE.rawValue
            if returnNew { flags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW.rawValue }
            if upsert { flags |= MONGOC_FIND_AND_MODIFY_UPSERT.rawValue }
            mongoc_find_and_modify_opts_set_flags(options, mongoc_find_and_modify_flags_t(rawValue: flags))
            mongoc_find_and_modify_opts_set_update(options, update)
            if let sort { mongoc_find_and_modify_opts_set_sort(options, sort) }
            if let projection { mongoc_find_and_modify_opts_set_fields(options, projection) }
            return try MongocCall.reply { reply, error in
                mongoc_collection_find_and_modify_with_opts(collection, filter, options, reply, &error)
            } read: { reply in
                try Document(bson: reply, field: "value")
            }
        }
    }

    /// Deletes the first document matching `filter`; returns 0 or 1.
    @discardableResult
    public func deleteOne(_ filter: Document) async throws -> Int {
        try await delete(filter, many: false)
    }

    /// Deletes every document matching `filter` and returns how many.
    @discardableResult
    public func deleteMany(_ filter: Document) async throws -> Int {
        try await delete(filter, many: true)
    }

    private func update(_ filter: Document, _ update: Document, upsert: Bool, many: Bool) async throws -> UpdateResult {
        try await perform { collection, arena in
            let filter = try arena.bson(filter)
            let update = try arena.bson(update)
            let options = try arena.bson(["upsert": .bool(upsert)])
            let reply = try MongocCall.reply { reply, error in
                many
                    ? mongoc_collection_update_many(collection, filter, update, options, reply, &error)
                    : mongoc_collection_update_one(collection, filter, update, options, reply, &error)
            }
            return UpdateResult(reply: reply)
        }
    }

    private func delete(_ filter: Document, many: Bool) async throws -> Int {
        try await perform { collection, arena in
            let filter = try arena.bson(filter)
            let reply = try MongocCall.reply { reply, error in
                many
                    ? mongoc_collection_delete_many(collection, filter, nil, reply, &error)
                    : mongoc_collection_delete_one(collection, filter, nil, reply, &error)
            }
            return reply["deletedCount"]?.intValue ?? 0
        }
    }
}
