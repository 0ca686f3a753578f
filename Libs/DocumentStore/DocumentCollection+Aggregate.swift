import CMongoC

extension DocumentCollection {
    /// Runs an aggregation pipeline (`$match`, `$group`, `$sort`, `$project`, ...) and returns
    /// every document its last stage yields, read in full before returning.
    ///
    /// A leading `$match` selects documents as a `find` filter does, through an index when one
    /// fits, so the stages after it see only what it matched.
    public func aggregate(_ pipeline: [Document]) async throws -> [Document] {
        // libmongoc takes the stages either as a BSON array or under a `pipeline` key; a
        // `Document` always encodes as a BSON document, so the key it is.
        let stages: Document = ["pipeline": .array(pipeline.map(BSONValue.document))]
        return try await perform { collection, arena in
            let cursor = mongoc_collection_aggregate(collection, MONGOC_QUERY_NONE, try arena.bson(stages), nil, nil)!
            return try MongocCall.drain(cursor)
        }
    }
}
