import CMongoC

/// A connection to a MongoDB deployment, shared by every task of a service.
///
/// It owns a libmongoc client pool and the threads that make the blocking libmongoc calls;
/// operations suspend the calling task, never block it. Call `close()` before the process
/// ends so the server sees its sessions end; a store dropped without `close()` shuts down the
/// same way in the background once its queued operations finish.
public final class DocumentStore: Sendable {
    private let pool: ClientPool
    private let executor: BlockingExecutor

    /// - Parameters:
    ///   - uri: a MongoDB connection string such as `mongodb://127.0.0.1:27017`. Timeouts come
    ///     from it: `serverSelectionTimeoutMS` (30 s by default) bounds how long an operation
    ///     waits for an unreachable server before it throws `.connection`.
    ///   - maxConnections: how many operations run at once; each one holds a pooled client and
    ///     a thread of this store while it runs. Later operations wait in arrival order.
    public init(uri: String, maxConnections: Int = 8) throws {
        precondition(maxConnections > 0, "maxConnections must be positive")
        let pool = try ClientPool(uri: uri, maxClients: maxConnections)
        self.pool = pool
        executor = BlockingExecutor(
            threadCount: maxConnections, name: "DocumentStore", onStopped: { pool.destroy() })
    }

    deinit {
        executor.beginShutdown()
    }

    public func collection(_ name: String, in database: String) -> DocumentCollection {
        DocumentCollection(store: self, database: database, name: name)
    }

    /// Round trip to the server, for readiness checks.
    public func ping() async throws {
        try await withClient { client, arena in
            let command = try arena.bson(["ping": 1])
            _ = try MongocCall.reply { reply, error in
                mongoc_client_command_simple(client, "admin", command, nil, reply, &error)
            }
        }
    }

    /// Lets operations already started finish, then closes every connection. Operations
    /// started afterwards throw `.closed`. Calling it again is harmless.
    public func close() async {
        await executor.shutdown()
    }

    /// Runs `body` on one of the store's threads with a client that no other thread uses
    /// meanwhile, and an arena for the call's BSON arguments. A task cancelled meanwhile still
    /// waits: a libmongoc call cannot be interrupted.
    func withClient<R: Sendable>(
        _ body: @escaping @Sendable (_ client: OpaquePointer, _ arena: BSONArena) throws -> R
    ) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = executor.submit { [pool] in
                continuation.resume(
                    with: Result {
                        try pool.withClient { client in
                            try BSONArena.with { arena in try body(client, arena) }
                        }
                    })
            }
            if !accepted {
                continuation.resume(throwing: DocumentStoreError.closed)
            }
        }
    }
}
