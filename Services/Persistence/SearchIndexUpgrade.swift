import DocumentStore
import Logging
import ServiceLifecycle

/// A search index written before scopes: one entry per message *and reader* (`r` a
/// username, index `reader_terms`), with three-letter prefix terms (`~caf`). Rewritten as
/// one entry per scope (`SearchIndex`) a batch at a time, beside the running service
/// (searches find what is rewritten); the old index is dropped last, so a crash in between
/// goes on where it stopped. Replicas doing it at once write the same entries.
struct SearchIndexUpgrade: Service {
    static let legacyReaderIndex = "reader_terms"
    static let legacyPrefixMarker = "~"
    static let batch = 1000

    let index: SearchIndex
    let logger: Logger
    private var collection: DocumentCollection { index.collection }

    /// Upgrades, then stays until shutdown: a service group takes a service that returns
    /// for one that failed.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let rewritten = try await upgrade()
                    if rewritten > 0 { logger.info("search index rewritten per scope", metadata: ["entries": "\(rewritten)"]) }
                    break
                } catch {
                    logger.warning("rewriting the search index failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(30))
                }
            }
        }
        try? await gracefulShutdown()
    }

    /// Rewrites what is left of an older index; returns how many old entries it rewrote.
    func upgrade() async throws -> Int {
        guard try await collection.listIndexes().contains(where: { $0.name == Self.legacyReaderIndex }) else { return 0 }
        var rewritten = 0
        while !Task.isCancelled {
            let legacy = try await collection.find(["s": ["$exists": false]], limit: Self.batch)
            guard !legacy.isEmpty else {
                try await collection.dropIndex(named: Self.legacyReaderIndex)
                break
            }
            try await index.insert(Self.scoped(legacy))
            rewritten += try await collection.deleteMany(["_id": ["$in": .array(legacy.compactMap { $0["_id"] })]])
        }
        return rewritten
    }

    /// The entries `legacy` becomes: its readers of one message merged per scope.
    static func scoped(_ legacy: [Document]) -> [Document] {
        var entries: [String: Document] = [:]
        var readers: [String: [BSONValue]] = [:]
        for old in legacy {
            guard let reader = old["r"], let conversation = old["c"]?.stringValue, let documentId = old["d"]?.stringValue
            else { continue }
            for scope in SearchIndex.scopes(of: conversation) {
                let id = SearchIndex.entryId(of: documentId, in: scope)
                if readers[id]?.contains(reader) == false { readers[id]?.append(reader) }
                guard entries[id] == nil else { continue }
                readers[id] = [reader]
                let words = (old["t"]?.arrayValue ?? []).filter { $0.stringValue?.hasPrefix(legacyPrefixMarker) == false }
                var entry: Document = ["_id": .string(id), "s": .string(scope), "t": .array(words)]
                for field in ["p", "c", "d", "at", "seq"] { entry[field] = old[field] }
                entries[id] = entry
            }
        }
        return entries.map { id, entry in
            var entry = entry
            entry["r"] = .array(readers[id] ?? [])
            return entry
        }
    }
}
