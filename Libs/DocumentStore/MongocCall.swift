import CMongoC

/// The two shapes in which libmongoc reports results, turned into Swift values and errors.
enum MongocCall {
    /// Calls a libmongoc function that reports through a reply document and a `bson_error_t`,
    /// turning failure into a `DocumentStoreError` and success into the reply's fields.
    static func reply(
        _ call: (_ reply: OpaquePointer, _ error: inout bson_error_t) -> Bool
    ) throws -> Document {
        try reply(call) { reply in try Document(bson: reply, skippingUnsupportedTypes: true) }
    }

    /// Like `reply(_:)`, with `read` taking what it needs from the reply while it exists.
    static func reply<R>(
        _ call: (_ reply: OpaquePointer, _ error: inout bson_error_t) -> Bool,
        read: (_ reply: OpaquePointer) throws -> R
    ) throws -> R {
        try AlignedStorage.withReply { reply in
            var error = bson_error_t()
            guard call(reply, &error) else {
                throw DocumentStoreError(error)
            }
            return try read(reply)
        }
    }

    /// Reads every document a cursor yields, then destroys the cursor.
    static func drain(_ cursor: OpaquePointer) throws -> [Document] {
        defer { mongoc_cursor_destroy(cursor) }
        var documents: [Document] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current), let current {
            documents.append(try Document(bson: current))
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            throw DocumentStoreError(error)
        }
        return documents
    }
}
