import ChatProtocol
import DocumentStore
import Foundation
import HistoryArchive

/// The conversation history: one document per chat message and conversation, with who may
/// read it, kept for the retention (swept by `HistoryRetention`).
///
/// Written in batches by `HistoryWriter`, read by `HistoryRoutes`. Every read filters on
/// `readers`, so a user reads only conversations they took part in, and a group member only
/// the messages sent while they were a member. The documents have one index besides `_id`,
/// the conversation order; which conversations a user has is kept in `HistoryMembers`.
///
/// With an archive, older messages live in chunks in the object store (Libs/HistoryArchive)
/// and every listing reads through: MongoDB and the chunks merged in one order.
struct HistoryStore: Sendable {
    static let collectionName = "history"
    static let orderIndex = "conversation_order"

    /// A page of one conversation's messages, and where the next page starts.
    struct MessagePage: Sendable {
        let messages: [ChatMessage]
        let next: HistoryCursor?
    }

    /// One conversation of a user's inbox.
    struct Conversation: Sendable {
        let key: ConversationKey
        let lastMessage: ChatMessage
        let updatedAt: Int64
    }

    struct ConversationPage: Sendable {
        let conversations: [Conversation]
        let next: HistoryCursor?
    }

    enum Direction: Sendable {
        /// Newest first, older than the cursor.
        case before(HistoryCursor?)
        /// Oldest first, newer than the cursor.
        case after(HistoryCursor)
    }

    let collection: DocumentCollection
    /// How long MongoDB keeps a message; nil when the archiver takes them instead (then no
    /// sweep may delete what it has not archived).
    let retention: Duration?
    let members: HistoryMembers
    /// The archived part of the history, when this deployment has an object store.
    var archive: HistoryReadThrough? = nil
    /// Pages' inboxes, kept current with the history.
    var threads: PageThreadStore? = nil
    /// Message search, written with the history.
    var search: SearchIndex? = nil

    init(collection: DocumentCollection, retention: Duration?) {
        self.collection = collection
        self.retention = retention
        members = HistoryMembers(collection: collection.sibling(HistoryMembers.collectionName))
    }

    func createIndexes() async throws {
        // Messages are listed by time, then by the gateway's accept sequence (`seq`), so a
        // sender's messages accepted within one millisecond keep their order.
        try await collection.createIndex(["conversation": 1, "at": 1, "seq": 1, "_id": 1], name: Self.orderIndex)
        try await collection.dropIndex(named: "conversation")
        // Documents written before `seq` existed sort first within their millisecond, as
        // they did by id alone.
        _ = try await collection.updateMany(["seq": ["$exists": false]], ["$set": ["seq": .int64(0)]])
        try await members.createIndexes()
        try await dropReaderAndExpiryIndexes()
        try await archive?.index.createIndexes()
        try await threads?.createIndexes()
        try await search?.createIndexes()
    }

    /// A history from before `HistoryMembers` had an index on its readers and a TTL index.
    /// The members are written from it before the readers index goes (a crash in between
    /// does it again); the retention sweep takes over from the TTL index.
    private func dropReaderAndExpiryIndexes() async throws {
        let names = Set(try await collection.listIndexes().map(\.name))
        if names.contains(Self.legacyReadersIndex) {
            try await members.backfill(from: collection)
            try await collection.dropIndex(named: Self.legacyReadersIndex)
        }
        if names.contains(Self.legacyRetentionIndex) { try await collection.dropIndex(named: Self.legacyRetentionIndex) }
    }

    static let legacyReadersIndex = "readers"
    static let legacyRetentionIndex = "retention"

    /// Records the entries: one unordered insert of a document per message (the copies of a
    /// group message in this batch merged into one, with all their readers), as the offline
    /// path stores. Only when some message was recorded before (a group copy from an earlier
    /// batch, a replayed record) does a second bulk write add the readers to what is there;
    /// nothing is written twice.
    func record(_ entries: [HistoryEntry]) async throws {
        var merged: [String: (entry: HistoryEntry, readers: [String])] = [:]
        var order: [String] = []
        for entry in entries {
            guard let known = merged[entry.documentId] else {
                order.append(entry.documentId)
                merged[entry.documentId] = (entry, entry.readers)
                continue
            }
            merged[entry.documentId]?.readers = known.readers + entry.readers.filter { !known.readers.contains($0) }
        }
        var pairs: [(user: String, conversation: String)] = []
        for id in order {
            let (entry, readers) = merged[id]!
            pairs += readers.map { (user: $0, conversation: entry.conversation.stored) }
        }
        // The members before the messages: a member without messages yet lists nothing.
        try await members.record(pairs)
        let documents = order.map { id -> Document in
            let (entry, readers) = merged[id]!
            let message = entry.message
            return [
                "_id": .string(id), "conversation": .string(entry.conversation.stored), "id": .string(message.id),
                "source": .string(message.source), "at": .int64(Int64(clamping: message.serverTimestamp)),
                "seq": .int64(Int64(clamping: message.acceptSequence)),
                "readers": .array(readers.map(BSONValue.string)),
                "message": .string(message.protobufData().base64EncodedString()),
            ]
        }
        do {
            _ = try await collection.insertMany(documents, ordered: false)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Unordered: every new document went in; the ones already there get their readers.
            let additions = order.map { id -> BulkOperation in
                .updateOne(
                    filter: ["_id": .string(id)],
                    update: ["$addToSet": ["readers": ["$each": .array(merged[id]!.readers.map(BSONValue.string))]]])
            }
            _ = try await collection.bulkWrite(additions, ordered: false)
        }
        try await threads?.record(entries)
        try await search?.record(order.map { merged[$0]! })
    }

    /// `user`'s messages in whichever of `conversations` they read, `limit` of them from the
    /// cursor on; an empty first page means `user` took part in none of them.
    func page(
        of conversations: [ConversationKey], readBy user: String, _ direction: Direction, limit: Int
    ) async throws -> MessagePage {
        var filter: Document = [
            "conversation": ["$in": .array(conversations.map { .string($0.stored) })], "readers": .string(user),
        ]
        let order: Int32
        let cursor: HistoryPosition?
        switch direction {
        case .before(let before):
            order = -1
            if let before {
                let position = try await withSequence(before)
                filter["$or"] = Self.beyond(position, "$lt")
                cursor = position
            } else {
                cursor = nil
            }
        case .after(let after):
            order = 1
            let position = try await withSequence(after)
            filter["$or"] = Self.beyond(position, "$gt")
            cursor = position
        }
        let documents = try await collection.find(filter, sort: Self.order(order), limit: limit + 1)
        var listed = documents.compactMap(ArchivedMessage.init(document:))
        if let archive {
            listed = try await archive.page(
                listed, of: conversations.map(\.stored), readBy: user, beyond: cursor, newestFirst: order < 0, count: limit + 1)
        }
        let messages = listed.prefix(limit).compactMap(Self.message)
        let next = listed.count > limit ? Self.cursor(of: listed[limit - 1]) : nil
        return MessagePage(messages: messages, next: next)
    }

    /// `user`'s conversations, most recent first, older than `before`.
    ///
    /// The conversations come from `HistoryMembers`, the latest time of each from one read
    /// of its newest message `user` reads (the order index): a read per conversation the
    /// user ever had, fine for hundreds of them, not for tens of thousands (an inbox
    /// written with each message would be).
    func conversations(of user: String, before: HistoryCursor?, limit: Int) async throws -> ConversationPage {
        var newest: [String: Int64] = [:]
        for conversation in try await members.conversations(of: user) {
            let latest = try await collection.findOne(
                ["conversation": .string(conversation), "readers": .string(user)],
                sort: ["conversation": -1, "at": -1, "seq": -1, "_id": -1])
            if let at = latest?["at"]?.intValue { newest[conversation] = Int64(at) }
        }
        // A conversation whose history is archived, wholly or in part, is listed too.
        for (key, at) in try await archive?.index.latestByConversation(readBy: user) ?? [] {
            newest[key] = max(newest[key] ?? at, at)
        }
        var ordered = newest.map { HistoryCursor(at: $0.value, id: $0.key) }
            .sorted { ($0.at, $0.id) > ($1.at, $1.id) }
        if let before { ordered = ordered.filter { ($0.at, $0.id) < (before.at, before.id) } }
        var conversations: [Conversation] = []
        for position in ordered.prefix(limit) {
            guard let key = ConversationKey(stored: position.id),
                let message = try await page(of: [key], readBy: user, .before(nil), limit: 1).messages.first
            else { continue }
            conversations.append(Conversation(key: key, lastMessage: message, updatedAt: position.at))
        }
        let next = ordered.count > limit ? ordered[limit - 1] : nil
        return ConversationPage(conversations: conversations, next: next)
    }

    /// Deletes what was sent longer than the retention ago, a conversation at a time (the
    /// order index); returns how many. Nothing when the archive keeps the history instead.
    func deleteExpired(now: Date) async throws -> Int {
        guard let retention else { return 0 }
        let cutoff = RetentionCutoff.milliseconds(retention, now: now)
        var deleted = 0
        for conversation in try await members.allConversations() {
            deleted += try await collection.deleteMany(["conversation": .string(conversation), "at": ["$lt": .int64(cutoff)]])
        }
        return deleted
    }

    /// Whether `HistoryRetention` has anything to do: not when the archive takes old history
    /// and archived messages stay searchable for good.
    var sweeps: Bool { retention != nil || search?.retention != nil }

    /// Deletes the search entries past the search's retention (the history's, or the
    /// archive's when archived messages stay searchable); returns how many.
    func deleteExpiredSearchEntries(now: Date) async throws -> Int {
        guard let search, search.retention != nil else { return 0 }
        let scopes = Set(try await members.allConversations().flatMap(SearchIndex.scopes(of:)))
        return try await search.deleteExpired(in: Array(scopes), now: now)
    }

    /// The messages with these document ids that `reader` reads, from MongoDB or, once
    /// archived, from their chunks (`conversation` and position find the chunk).
    func messages(
        _ wanted: [(documentId: String, conversation: String, at: Int64, seq: Int64)], readBy reader: String
    ) async throws -> [String: ChatMessage] {
        let documents = try await collection.find(
            ["_id": ["$in": .array(wanted.map { .string($0.documentId) })], "readers": .string(reader)])
        var found: [String: ChatMessage] = [:]
        for stored in documents.compactMap(ArchivedMessage.init(document:)) { found[stored.documentId] = Self.message(stored) }
        guard let archive else { return found }
        for missing in wanted where found[missing.documentId] == nil {
            // Just past the message in page order: the page's first message is the message itself.
            let justAfter = HistoryPosition(at: missing.at, seq: missing.seq, id: missing.documentId + "\u{0}")
            let page = try await archive.page(
                [], of: [missing.conversation], readBy: reader, beyond: justAfter, newestFirst: true, count: 1)
            if let stored = page.first, stored.documentId == missing.documentId { found[missing.documentId] = Self.message(stored) }
        }
        return found
    }

    private static func order(_ direction: Int32) -> Document {
        ["at": .int32(direction), "seq": .int32(direction), "_id": .int32(direction)]
    }

    /// Items past the cursor in sort order: a later (or earlier) time, or the same time and a
    /// later (earlier) sequence, or the same of both and a later (earlier) id.
    private static func beyond(_ cursor: HistoryPosition, _ comparison: String) -> BSONValue {
        .array([
            .document(["at": [comparison: .int64(cursor.at)]]),
            .document(["at": .int64(cursor.at), "seq": [comparison: .int64(cursor.seq)]]),
            .document(["at": .int64(cursor.at), "seq": .int64(cursor.seq), "_id": [comparison: .string(cursor.id)]]),
        ])
    }

    /// A cursor made before message cursors carried the sequence takes it from the
    /// message it names (0 when that message is gone: it then falls back to the old order).
    private func withSequence(_ cursor: HistoryCursor) async throws -> HistoryPosition {
        if let seq = cursor.seq { return HistoryPosition(at: cursor.at, seq: seq, id: cursor.id) }
        let named = try await collection.findOne(["_id": .string(cursor.id)])
        return HistoryPosition(at: cursor.at, seq: Int64(named?["seq"]?.intValue ?? 0), id: cursor.id)
    }

    private static func cursor(of message: ArchivedMessage) -> HistoryCursor {
        HistoryCursor(at: message.at, seq: message.seq, id: message.documentId)
    }

    private static func message(_ stored: ArchivedMessage) -> ChatMessage? {
        guard let data = Data(base64Encoded: stored.message) else { return nil }
        return try? ChatMessage(protobuf: data)
    }
}
