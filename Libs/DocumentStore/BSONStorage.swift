import CMongoC

/// Holds the `bson_t` values built for one libmongoc call and destroys each exactly once when
/// the call is over. Pointers taken from it stay valid for the whole `BSONArena.with` body,
/// which a Swift object's own lifetime would not promise: the optimizer may free an object
/// right after its last use, even while C still reads the pointer taken from it.
final class BSONArena {
    private var documents: [OpaquePointer] = []

    private init() {}

    static func with<R>(_ body: (BSONArena) throws -> R) rethrows -> R {
        let arena = BSONArena()
        return try withExtendedLifetime(arena) { try body(arena) }
    }

    func bson(_ document: Document) throws -> OpaquePointer {
        let bson = try document.makeBSON()
        documents.append(bson)
        return bson
    }

    deinit {
        for bson in documents {
            bson_destroy(bson)
        }
    }
}

/// Storage for the `bson_t` and `bson_iter_t` values libbson expects the caller to provide.
///
/// libbson declares both types 128-byte aligned, so Swift imports pointers to them as
/// `OpaquePointer` and cannot lay them out itself; the storage is allocated by hand with the
/// size and alignment C uses (`sizeof(bson_t)` is 128, `sizeof(bson_iter_t)` is 80).
enum AlignedStorage {
    private static let byteCount = 128
    private static let alignment = 128

    /// Runs `body` with an initialized, empty `bson_t` for a libmongoc `reply` argument and
    /// destroys it afterwards. libmongoc re-initializes `reply` itself on every path it
    /// documents; initializing it first keeps `bson_destroy` safe on any path it does not.
    static func withReply<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try withStorage { reply in
            bson_init(reply)
            defer { bson_destroy(reply) }
            return try body(reply)
        }
    }

    static func withIterator<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try withStorage(body)
    }

    private static func withStorage<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return try body(OpaquePointer(raw))
    }
}
