import CMongoC

// Conversion between `Document` and libbson's `bson_t`, field by field, so that key order and
// exact BSON types survive both ways.

extension Document {
    /// A new `bson_t` that the caller must `bson_destroy`; `BSONArena` does that for callers.
    func makeBSON() throws -> OpaquePointer {
        let bson: OpaquePointer = bson_new()
        do {
            for (key, value) in self {
                try value.append(to: bson, key: key)
            }
            return bson
        } catch {
            bson_destroy(bson)
            throw error
        }
    }

    /// Reads a whole `bson_t`. A field of a type `BSONValue` does not model is an error, unless
    /// `skippingUnsupportedTypes` leaves it out (for server replies, whose bookkeeping fields
    /// such as `$clusterTime` hold BSON timestamps no caller reads).
    init(bson: OpaquePointer, skippingUnsupportedTypes: Bool = false) throws {
        self = try AlignedStorage.withIterator { iterator in
            guard bson_iter_init(iterator, bson) else {
                throw DocumentStoreError.invalidDocument("corrupt BSON document")
            }
            return try Document(reading: iterator, skippingUnsupportedTypes: skippingUnsupportedTypes)
        }
    }

    /// Reads the sub-document under `key` strictly; nil when the field is missing or is not a
    /// document (the server answers `null` for "no document").
    init?(bson: OpaquePointer, field key: String) throws {
        let document = try AlignedStorage.withIterator { iterator -> Document? in
            guard bson_iter_init_find(iterator, bson, key), bson_iter_type(iterator) == BSON_TYPE_DOCUMENT else {
                return nil
            }
            return try BSONValue.readChild(of: iterator, key: key, skippingUnsupportedTypes: false)
        }
        guard let document else { return nil }
        self = document
    }

    /// Reads the fields that remain in `iterator`.
    fileprivate init(reading iterator: OpaquePointer, skippingUnsupportedTypes: Bool) throws {
        var keys: [String] = []
        var values: [BSONValue] = []
        while bson_iter_next(iterator) {
            let key = String(cString: bson_iter_key(iterator))
            let value = try BSONValue.read(
                iterator, key: key, skippingUnsupportedTypes: skippingUnsupportedTypes)
            if let value {
                keys.append(key)
                values.append(value)
            }
        }
        self.init(uniqueKeys: keys, values: values)
    }
}

extension BSONValue {
    fileprivate func append(to bson: OpaquePointer, key: String) throws {
        // libbson takes keys as C strings, so a NUL inside one would silently cut it short.
        guard !key.utf8.contains(0) else {
            throw DocumentStoreError.invalidDocument("key \(key.debugDescription) contains NUL")
        }
        let keyLength = Int32(key.utf8.count)
        let appended: Bool
        switch self {
        case .string(let value):
            appended = bson_append_utf8(bson, key, keyLength, value, Int32(value.utf8.count))
        case .int32(let value):
            appended = bson_append_int32(bson, key, keyLength, value)
        case .int64(let value):
            appended = bson_append_int64(bson, key, keyLength, value)
        case .double(let value):
            appended = bson_append_double(bson, key, keyLength, value)
        case .bool(let value):
            appended = bson_append_bool(bson, key, keyLength, value)
        case .null:
            appended = bson_append_null(bson, key, keyLength)
        case .date(let milliseconds):
            appended = bson_append_date_time(bson, key, keyLength, milliseconds)
        case .objectID(let hex):
            guard hex.utf8.count == 24, bson_oid_is_valid(hex, 24) else {
                throw DocumentStoreError.invalidDocument("\(hex.debugDescription) at \(key) is not an ObjectId")
            }
            var oid = bson_oid_t()
            bson_oid_init_from_string(&oid, hex)
            appended = bson_append_oid(bson, key, keyLength, &oid)
        case .document(let document):
            let child = try document.makeBSON()
            defer { bson_destroy(child) }
            appended = bson_append_document(bson, key, keyLength, child)
        case .array(let elements):
            // BSON stores an array as a document keyed "0", "1", ...
            let child = try Document(uniqueKeys: elements.indices.map(String.init), values: elements).makeBSON()
            defer { bson_destroy(child) }
            appended = bson_append_array(bson, key, keyLength, child)
        }
        guard appended else {
            throw DocumentStoreError.invalidDocument("document grew past the BSON size limit at \(key)")
        }
    }

    /// The value at `iterator`, or nil for an unsupported type when skipping those.
    fileprivate static func read(
        _ iterator: OpaquePointer, key: String, skippingUnsupportedTypes: Bool
    ) throws -> BSONValue? {
        let type = bson_iter_type(iterator)
        switch type {
        case BSON_TYPE_UTF8:
            var length: UInt32 = 0
            let bytes = UnsafeRawBufferPointer(start: bson_iter_utf8(iterator, &length), count: Int(length))
            return .string(String(decoding: bytes, as: UTF8.self))
        case BSON_TYPE_INT32:
            return .int32(bson_iter_int32(iterator))
        case BSON_TYPE_INT64:
            return .int64(bson_iter_int64(iterator))
        case BSON_TYPE_DOUBLE:
            return .double(bson_iter_double(iterator))
        case BSON_TYPE_BOOL:
            return .bool(bson_iter_bool(iterator))
        case BSON_TYPE_NULL, BSON_TYPE_UNDEFINED:
            return .null
        case BSON_TYPE_DATE_TIME:
            return .date(millisecondsSince1970: bson_iter_date_time(iterator))
        case BSON_TYPE_OID:
            return .objectID(hex(of: bson_iter_oid(iterator)))
        case BSON_TYPE_DOCUMENT:
            return .document(
                try readChild(of: iterator, key: key, skippingUnsupportedTypes: skippingUnsupportedTypes))
        case BSON_TYPE_ARRAY:
            return .array(
                try readChild(of: iterator, key: key, skippingUnsupportedTypes: skippingUnsupportedTypes).values)
        default:
            guard skippingUnsupportedTypes else {
                throw DocumentStoreError.invalidDocument("unsupported BSON type \(type.rawValue) at \(key)")
            }
            return nil
        }
    }

    fileprivate static func readChild(
        of iterator: OpaquePointer, key: String, skippingUnsupportedTypes: Bool
    ) throws -> Document {
        try AlignedStorage.withIterator { child in
            guard bson_iter_recurse(iterator, child) else {
                throw DocumentStoreError.invalidDocument("corrupt BSON at \(key)")
            }
            return try Document(reading: child, skippingUnsupportedTypes: skippingUnsupportedTypes)
        }
    }

    private static func hex(of oid: UnsafePointer<bson_oid_t>) -> String {
        // bson_oid_to_string writes 24 hex digits and a NUL.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 25) { buffer in
            bson_oid_to_string(oid, buffer.baseAddress)
            return String(cString: buffer.baseAddress!)
        }
    }
}
