import ChatProtocol
import DocumentStore
import Foundation
import Search

/// Each page's threads as its agents' inbox lists them (`page_threads`): one document per
/// page and user with the thread's newest message, whether it waits for an answer, and who
/// it is assigned to. The history writer keeps it current in the batches it writes the
/// history in; assignment is the inbox route's.
struct PageThreadStore: Sendable {
    static let collectionName = "page_threads"

    /// One thread as listed.
    struct Thread: Sendable {
        let user: String
        /// The agent view (`PageMessages`).
        let lastMessage: ChatMessage
        let updatedAt: Int64
        /// The user wrote last.
        let unanswered: Bool
        let assignee: String?
    }

    struct ThreadPage: Sendable {
        let threads: [Thread]
        let next: HistoryCursor?
    }

    let collection: DocumentCollection

    func createIndexes() async throws {
        try await collection.createIndex(["page": 1, "at": -1, "user": -1], name: "page_recent")
    }

    /// Makes each thread's document name its newest message among `entries` (page messages
    /// only), unless it names a newer one already: a replayed or late batch never moves a
    /// thread back. Ordering is one sortable field (`SortablePosition`), so the condition
    /// is a single comparison.
    func record(_ entries: [HistoryEntry]) async throws {
        var newest: [String: (entry: HistoryEntry, position: String)] = [:]
        for entry in entries {
            guard case .page(let page, let thread) = entry.conversation else { continue }
            let key = Self.documentId(page: page, user: thread)
            let position = SortablePosition.of(entry)
            if let known = newest[key], known.position >= position { continue }
            newest[key] = (entry, position)
        }
        guard !newest.isEmpty else { return }
        let operations = newest.map { key, newest -> BulkOperation in
            guard case .page(let page, let thread) = newest.entry.conversation else { fatalError("filtered above") }
            let message = newest.entry.message
            return .updateOne(
                filter: ["_id": .string(key), "position": ["$lt": .string(newest.position)]],
                update: [
                    "$set": [
                        "page": .string(page), "user": .string(thread), "position": .string(newest.position),
                        "at": .int64(Int64(clamping: message.serverTimestamp)),
                        "lastMessage": .string(message.protobufData().base64EncodedString()),
                        "unanswered": .bool(message.source == thread),
                    ]
                ],
                upsert: true)
        }
        do {
            _ = try await collection.bulkWrite(operations, ordered: false)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // The upsert of a thread whose document names a newer message already: nothing to do.
        }
    }

    /// The threads of `page`, most recently active first, older than `before`.
    func threads(of page: String, before: HistoryCursor?, limit: Int) async throws -> ThreadPage {
        let sort: Document = ["at": -1, "user": -1]
        var documents: [Document] = []
        if let before {
            // Two indexed reads instead of one `$or`: the rest of the cursor's millisecond,
            // then what is older.
            documents = try await collection.find(
                ["page": .string(page), "at": .int64(before.at), "user": ["$lt": .string(before.id)]], sort: sort, limit: limit + 1)
            if documents.count <= limit {
                documents += try await collection.find(
                    ["page": .string(page), "at": ["$lt": .int64(before.at)]], sort: sort, limit: limit + 1 - documents.count)
            }
        } else {
            documents = try await collection.find(["page": .string(page)], sort: sort, limit: limit + 1)
        }
        let threads = documents.compactMap(Self.thread)
        let next = threads.count > limit ? HistoryCursor(at: threads[limit - 1].updatedAt, id: threads[limit - 1].user) : nil
        return ThreadPage(threads: Array(threads.prefix(limit)), next: next)
    }

    /// Sets or clears who answers `user`'s thread with `page`; nil when the thread has no
    /// message yet.
    func assign(page: String, user: String, to assignee: String?) async throws -> Thread? {
        let update: Document = assignee.map { ["$set": ["assignee": .string($0)]] } ?? ["$unset": ["assignee": ""]]
        let result = try await collection.updateOne(["_id": .string(Self.documentId(page: page, user: user))], update)
        guard result.matchedCount == 1 else { return nil }
        return try await collection.findOne(["_id": .string(Self.documentId(page: page, user: user))]).flatMap(Self.thread)
    }

    private static func documentId(page: String, user: String) -> String {
        page + ConversationKey.separator + user
    }

    private static func thread(_ document: Document) -> Thread? {
        guard let user = document["user"]?.stringValue, let at = document["at"]?.intValue,
            let encoded = document["lastMessage"]?.stringValue, let data = Data(base64Encoded: encoded),
            let message = try? ChatMessage(protobuf: data)
        else { return nil }
        return Thread(
            user: user, lastMessage: message, updatedAt: Int64(at), unanswered: document["unanswered"]?.boolValue ?? false,
            assignee: document["assignee"]?.stringValue)
    }
}
