import DocumentStore

/// A search index written before scopes: one entry per message *and reader* (`r` a
/// username, index `reader_terms`), with three-letter prefix terms (`~caf`). Rewritten as
/// one entry per scope (`SearchIndex`) a batch at a time; the old index is dropped last, so
/// a crash in between goes on where it stopped.
struct SearchIndexUpgrade: Sendable {
    static let legacyReaderIndex = "reader_terms"
    static let legacyRetentionIndex = "retention"
    static let legacyPrefixMarker = "~"
    static let batch = 1000

    let collection: DocumentCollection

    func run(into index: SearchIndex) async throws {
        let names = Set(try await collection.listIndexes().map(\.name))
        if names.contains(Self.legacyRetentionIndex) { try await collection.dropIndex(named: Self.legacyRetentionIndex) }
        guard names.contains(Self.legacyReaderIndex) else { return }
        while true {
            let legacy = try await collection.find(["s": ["$exists": false]], limit: Self.batch)
            guard !legacy.isEmpty else { break }
            try await index.insert(Self.scoped(legacy))
            _ = try await collection.deleteMany(["_id": ["$in": .array(legacy.compactMap { $0["_id"] })]])
        }
        try await collection.dropIndex(named: Self.legacyReaderIndex)
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
