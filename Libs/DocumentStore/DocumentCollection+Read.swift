import CMongoC

extension DocumentCollection {
    /// Every document matching `filter`, read in full before returning.
    /// - Parameters:
    ///   - projection: fields to include (`["name": 1]`) or exclude (`["_id": 0]`).
    ///   - sort: keys in priority order, 1 ascending and -1 descending.
    ///   - limit: at most this many documents; nil for no limit.
    public func find(
        _ filter: Document = [:], projection: Document? = nil, sort: Document? = nil,
        limit: Int? = nil, skip: Int? = nil
    ) async throws -> [Document] {
        var options: Document = [:]
        options["projection"] = projection.map(BSONValue.document)
        options["sort"] = sort.map(BSONValue.document)
        options["limit"] = limit.map { .int64(Int64($0)) }
        options["skip"] = skip.map { .int64(Int64($0)) }
        return try await find(filter, options: options)
    }

    public func find<T: Decodable>(
        _ filter: Document = [:], projection: Document? = nil, sort: Document? = nil,
        limit: Int? = nil, skip: Int? = nil, as type: T.Type
    ) async throws -> [T] {
        try await find(filter, projection: projection, sort: sort, limit: limit, skip: skip)
            .map { try $0.decode(T.self) }
    }

    /// The first document matching `filter` in `sort` order, or nil.
    public func findOne(
        _ filter: Document = [:], projection: Document? = nil, sort: Document? = nil
    ) async throws -> Document? {
        var options: Document = ["limit": 1, "singleBatch": true]
        options["projection"] = projection.map(BSONValue.document)
        options["sort"] = sort.map(BSONValue.document)
        return try await find(filter, options: options).first
    }

    public func findOne<T: Decodable>(
        _ filter: Document = [:], projection: Document? = nil, sort: Document? = nil, as type: T.Type
    ) async throws -> T? {
        try await findOne(filter, projection: projection, sort: sort)?.decode(T.self)
    }

    /// The number of documents matching `filter`.
    public func count(_ filter: Document = [:]) async throws -> Int {
        try await perform { collection, arena in
            let filter = try arena.bson(filter)
            var error = bson_error_t()
            let count = mongoc_collection_count_documents(collection, filter, nil, nil, nil, &error)
            guard count >= 0 else { throw DocumentStoreError(error) }
            return Int(count)
        }
    }

    private func find(_ filter: Document, options: Document) async throws -> [Document] {
        try await perform { collection, arena in
            let cursor = mongoc_collection_find_with_opts(
                collection, try arena.bson(filter), try arena.bson(options), nil)!
            return try MongocCall.drain(cursor)
        }
    }
}
