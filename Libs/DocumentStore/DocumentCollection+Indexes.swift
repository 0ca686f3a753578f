import CMongoC

extension DocumentCollection {
    /// Creates an index unless an identical one exists, and returns its name.
    /// - Parameters:
    ///   - keys: the key pattern in order, 1 ascending and -1 descending per field.
    ///   - unique: reject a second document with the same key (`.duplicateKey`).
    ///   - expireAfterSeconds: make it a TTL index: the server deletes a document this long
    ///     after the BSON date in its single indexed field (it checks about once a minute).
    ///   - name: defaults to the server's convention, such as `conversation_1_time_-1`.
    @discardableResult
    public func createIndex(
        _ keys: Document, unique: Bool = false, expireAfterSeconds: Int? = nil, name: String? = nil
    ) async throws -> String {
        let indexName = name ?? IndexDescription.defaultName(for: keys)
        var index: Document = ["key": .document(keys), "name": .string(indexName)]
        if unique {
            index["unique"] = true
        }
        index["expireAfterSeconds"] = expireAfterSeconds.map { .int64(Int64($0)) }
        let command: Document = ["createIndexes": .string(self.name), "indexes": [.document(index)]]
        try await perform { collection, arena in
            let command = try arena.bson(command)
            _ = try MongocCall.reply { reply, error in
                mongoc_collection_write_command_with_opts(collection, command, nil, reply, &error)
            }
        }
        return indexName
    }

    /// Every index of the collection, `_id_` included; empty when the collection does not exist.
    public func listIndexes() async throws -> [IndexDescription] {
        let documents = try await perform { collection, _ in
            try MongocCall.drain(mongoc_collection_find_indexes_with_opts(collection, nil)!)
        }
        return documents.map(IndexDescription.init)
    }

    /// Drops the named index; an index or collection that does not exist is no error, so a
    /// service can retire an old index at every start.
    public func dropIndex(named indexName: String) async throws {
        try await perform { collection, _ in
            var error = bson_error_t()
            guard mongoc_collection_drop_index_with_opts(collection, indexName, nil, &error) else {
                let failure = DocumentStoreError(error)
                // IndexNotFound (27) and, for a missing collection, NamespaceNotFound (26).
                if case .server(code: 27, _) = failure { return }
                if case .server(code: 26, _) = failure { return }
                throw failure
            }
        }
    }

    /// Drops the collection with its documents and indexes; dropping a missing one succeeds.
    public func drop() async throws {
        try await perform { collection, _ in
            var error = bson_error_t()
            guard mongoc_collection_drop_with_opts(collection, nil, &error) else {
                let failure = DocumentStoreError(error)
                // Servers before 7.0 answer NamespaceNotFound (26) for a missing collection.
                if case .server(code: 26, _) = failure { return }
                throw failure
            }
        }
    }
}
