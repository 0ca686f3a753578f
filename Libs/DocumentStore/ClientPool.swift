import CMongoC

/// `mongoc_init` must run once per process before any other libmongoc call. A global's
/// initializer runs exactly once and thread-safely; `mongoc_cleanup` is never called because
/// libmongoc's global state is meant to live as long as the process.
private let libmongocInitialized: Void = {
    MongocLogging.install()
    mongoc_init()
}()

/// The libmongoc client pool.
///
/// libmongoc documents `mongoc_client_pool_t` as thread-safe: clients may be popped and pushed
/// from any thread. A popped `mongoc_client_t` is not thread-safe, so `withClient` lends it to
/// exactly one caller and takes it back afterwards. That is why this class may be shared.
final class ClientPool: @unchecked Sendable {
    private let pool: OpaquePointer

    init(uri: String, maxClients: Int) throws {
        _ = libmongocInitialized
        var error = bson_error_t()
        guard let parsedURI = mongoc_uri_new_with_error(uri, &error) else {
            throw DocumentStoreError.invalidURI(DocumentStoreError.message(of: error))
        }
        // The pool keeps its own copy of the URI.
        defer { mongoc_uri_destroy(parsedURI) }
        guard let pool = mongoc_client_pool_new_with_error(parsedURI, &error) else {
            throw DocumentStoreError.invalidURI(DocumentStoreError.message(of: error))
        }
        // Version 2 reports every server error, write errors included, in one domain, which
        // is what lets duplicate keys be recognized the same way for every operation.
        mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2)
        mongoc_client_pool_max_size(pool, UInt32(maxClients))
        self.pool = pool
    }

    /// Blocks while every client is lent out, so callers must not outnumber `maxClients`
    /// or run on threads that may not block.
    func withClient<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        let client = mongoc_client_pool_pop(pool)!
        defer { mongoc_client_pool_push(pool, client) }
        return try body(client)
    }

    /// Ends the pool's sessions and closes its connections (a blocking network exchange).
    /// Must be called once, after every client is back and no `withClient` can start.
    func destroy() {
        mongoc_client_pool_destroy(pool)
    }
}
