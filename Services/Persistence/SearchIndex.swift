import ChatProtocol
import DocumentStore
import Foundation
import Search

/// Message search (`search_terms`): for every chat message with text, one document per
/// *scope* it is searched in, holding the message's words (`SearchTerms`), its place in
/// history order, its conversation and its readers. A message's scope is its conversation;
/// a page thread's message is also in the page's scope (the page id), where its agents
/// search every thread.
///
/// `(s, t, p)` finds a scope's messages holding a word, newest first; a prefix is a range of
/// `t`. A user searches the scopes of the conversations they have history in
/// (`HistoryMembers`), and a hit counts only when they are among its readers, so group
/// membership windows hold as in the history.
///
/// One document per scope rather than per reader: every index entry costs about as much as
/// a document insert on the local database, and a message's words are most of its cost
/// (a one-to-one message has one scope and two readers, a group message one scope and a
/// reader per member). Written by the history writer in its batches; kept while the
/// message is (the history's retention, or the archive's: archived messages stay
/// searchable), deleted by the history's sweep (`HistoryRetention`).
struct SearchIndex: Sendable {
    static let collectionName = "search_terms"
    static let scopeIndex = "scope_terms"
    static let legacyRetentionIndex = "retention"
    /// Candidates read per round, and in all for one page of results: a query whose words
    /// are all common but never together stops there and hands out a cursor to go on.
    static let batch = 200
    static let maxScanned = 4000

    let collection: DocumentCollection
    /// Nil: kept for good.
    let retention: Duration?

    /// One message found.
    struct Hit: Sendable {
        let documentId: String
        let conversation: String
        let at: Int64
        let seq: Int64
    }

    func createIndexes() async throws {
        try await collection.createIndex(["s": 1, "t": 1, "p": -1], name: Self.scopeIndex)
        if try await collection.listIndexes().contains(where: { $0.name == Self.legacyRetentionIndex }) {
            try await collection.dropIndex(named: Self.legacyRetentionIndex)
        }
    }

    /// The history `_id` first: an entry from before scopes began with its reader, and the
    /// page id was one of those.
    static func entryId(of documentId: String, in scope: String) -> String {
        documentId + ConversationKey.separator + scope
    }

    /// The scopes a message of `conversation` is searched in.
    static func scopes(of conversation: String) -> [String] {
        if case .page(let page, _)? = ConversationKey(stored: conversation) { return [conversation, page] }
        return [conversation]
    }

    /// Deletes the entries in `scopes` for messages sent longer than the retention ago
    /// (`scope_terms`: one scope, then their positions); returns how many.
    func deleteExpired(in scopes: [String], now: Date) async throws -> Int {
        guard let retention else { return 0 }
        let before = SortablePosition.text(at: RetentionCutoff.milliseconds(retention, now: now), seq: 0, id: "")
        var deleted = 0
        for scope in scopes {
            deleted += try await collection.deleteMany(["s": .string(scope), "p": ["$lt": .string(before)]])
        }
        return deleted
    }

    /// Indexes the messages of a history batch, each with its readers as `HistoryStore`
    /// merged them from the batch's copies (replays add nothing; a group message's copies
    /// from a later batch add their readers).
    func record(_ messages: [(entry: HistoryEntry, readers: [String])]) async throws {
        var entries: [Document] = []
        for (entry, readers) in messages {
            guard let text = entry.message.searchableText else { continue }
            let terms = SearchTerms.words(of: text)
            guard !terms.isEmpty else { continue }
            let conversation = entry.conversation.stored
            for scope in Self.scopes(of: conversation) {
                entries.append([
                    "_id": .string(Self.entryId(of: entry.documentId, in: scope)), "s": .string(scope),
                    "t": .array(terms.map(BSONValue.string)), "p": .string(SortablePosition.of(entry)),
                    "c": .string(conversation), "d": .string(entry.documentId),
                    "at": .int64(Int64(clamping: entry.message.serverTimestamp)),
                    "seq": .int64(Int64(clamping: entry.message.acceptSequence)),
                    "r": .array(readers.map(BSONValue.string)),
                ])
            }
        }
        try await insert(entries)
    }

    /// Inserts new entries; for those there already (a group copy from an earlier batch, a
    /// replay), adds their readers.
    func insert(_ entries: [Document]) async throws {
        guard !entries.isEmpty else { return }
        do {
            _ = try await collection.insertMany(entries, ordered: false)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Unordered: every new entry went in; the ones already there get their readers.
            let additions = entries.compactMap { entry -> BulkOperation? in
                guard let id = entry["_id"], let readers = entry["r"] else { return nil }
                return .updateOne(filter: ["_id": id], update: ["$addToSet": ["r": ["$each": readers]]])
            }
            _ = try await collection.bulkWrite(additions, ordered: false)
        }
    }

    /// `reader`'s messages in `scopes` matching `query`, newest first, older than `before` (a
    /// position); `next` is where the following page starts.
    ///
    /// One query per scope, merged here: the local database seeks the index for an equality
    /// on the scope but reads far more for `$in` (7 ms a conversation at 790,000 entries,
    /// against 2 ms for one equality). A scope that gave a full batch may hold more below its
    /// last candidate, so a round keeps only the candidates down to the highest such last
    /// position, and the next round asks again the scopes that were full or had candidates
    /// below it.
    func search(
        _ query: SearchQuery, readBy reader: String, in scopes: [String], before: String?, limit: Int
    ) async throws -> (hits: [Hit], next: String?) {
        var hits: [(hit: Hit, position: String)] = []
        var open = Array(Set(scopes))
        var cursor = before
        var scanned = 0
        // The first round asks each scope for no more than a page: a one-word query keeps
        // most of what it reads, and each document read costs the local database ~0.2 ms.
        var perScope = limit + 1
        while !open.isEmpty {
            var candidates: [(position: String, scope: String, document: Document)] = []
            var full: [String] = []
            var frontier: String?
            for scope in open {
                var filter: Document = ["s": .string(scope), "t": Self.lookup(query)]
                if let cursor { filter["p"] = ["$lt": .string(cursor)] }
                let documents = try await collection.find(
                    filter, projection: ["t": 1, "p": 1, "c": 1, "d": 1, "at": 1, "seq": 1, "r": 1], sort: ["p": -1],
                    limit: perScope)
                candidates += documents.compactMap { document in document["p"]?.stringValue.map { ($0, scope, document) } }
                if documents.count == perScope, let last = candidates.last?.position {
                    full.append(scope)
                    frontier = max(frontier ?? last, last)
                }
            }
            candidates.sort { $0.position > $1.position }
            var next = Set(full)
            for (position, scope, document) in candidates {
                // Below the frontier a full scope may hold more: its scope is asked again.
                if let frontier, position < frontier {
                    next.insert(scope)
                    continue
                }
                cursor = position
                scanned += 1
                guard let hit = Self.hit(document, matching: query, readBy: reader) else { continue }
                hits.append((hit, position))
                if hits.count > limit { return (hits.prefix(limit).map(\.hit), hits[limit - 1].position) }
            }
            open = Array(next)
            perScope = Self.batch
            // Many candidates, few matches: this page ends here and the next goes on from it.
            if !open.isEmpty, scanned >= Self.maxScanned { return (hits.map(\.hit), cursor) }
        }
        return (hits.map(\.hit), nil)
    }

    /// The hit `document` is, if it matches every word and `reader` reads it.
    private static func hit(_ document: Document, matching query: SearchQuery, readBy reader: String) -> Hit? {
        guard let terms = document["t"]?.arrayValue?.compactMap(\.stringValue), query.matches(terms),
            document["r"]?.arrayValue?.contains(.string(reader)) == true,
            let id = document["d"]?.stringValue, let conversation = document["c"]?.stringValue
        else { return nil }
        return Hit(
            documentId: id, conversation: conversation, at: Int64(document["at"]?.intValue ?? 0),
            seq: Int64(document["seq"]?.intValue ?? 0))
    }

    /// A word by equality; a prefix as the range of words starting with it. Without
    /// `$elemMatch` the two bounds may hold for two different words of a message, so this
    /// finds a few more candidates than it should and `matches` drops them; with it, or as
    /// an anchored regex, the local database reads every entry of the scope (6-12 ms a
    /// conversation at 790,000 entries, against 1.3 ms).
    private static func lookup(_ query: SearchQuery) -> BSONValue {
        if let word = query.leadingWord { return .string(word) }
        return ["$gte": .string(query.prefix), "$lt": .string(query.prefix + "\u{10FFFF}")]
    }
}
