import DocumentStore
import Synchronization

/// Which conversations each user has history in (`history_members`): one document per user
/// and conversation, written the first time a message of that conversation names the user
/// a reader.
///
/// It lists a user's inbox and the conversations the retention sweeps, so the history needs
/// no index on its readers or its expiry. On the local database every secondary index
/// entry of an insert costs about as much as the document itself, and the multikey
/// `readers` index was the dearest part of a history insert.
struct HistoryMembers: Sendable {
    static let collectionName = "history_members"
    static let userIndex = "user_conversations"

    let collection: DocumentCollection
    /// Pairs this process has written or found written: a message of a known pair writes
    /// nothing here. Emptied when it grows past its bound; a pair written again is refused
    /// as a duplicate and costs one insert.
    private let known = KnownPairs(bound: 200_000)

    init(collection: DocumentCollection) {
        self.collection = collection
    }

    func createIndexes() async throws {
        try await collection.createIndex(["u": 1, "c": 1], name: Self.userIndex)
    }

    /// Records that each `user` reads in `conversation`.
    func record(_ pairs: [(user: String, conversation: String)]) async throws {
        var byId: [String: (user: String, conversation: String)] = [:]
        for pair in pairs { byId[pair.user + ConversationKey.separator + pair.conversation] = pair }
        let new = known.unknown(byId.keys)
        guard !new.isEmpty else { return }
        let documents = new.map { id -> Document in
            ["_id": .string(id), "u": .string(byId[id]!.user), "c": .string(byId[id]!.conversation)]
        }
        do {
            _ = try await collection.insertMany(documents, ordered: false)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Unordered: the new ones went in; the others were there already.
        }
        known.insert(new)
    }

    /// The stored conversation keys `user` has history in.
    func conversations(of user: String) async throws -> [String] {
        try await collection.find(["u": .string(user)]).compactMap { $0["c"]?.stringValue }
    }

    /// Every user with history.
    func allUsers() async throws -> [String] {
        try await collection.aggregate([["$group": ["_id": "$u"]]]).compactMap { $0["_id"]?.stringValue }
    }

    /// Every stored conversation key with history.
    func allConversations() async throws -> [String] {
        try await collection.aggregate([["$group": ["_id": "$c"]]]).compactMap { $0["_id"]?.stringValue }
    }

    /// Writes the pairs of a history stored before this collection existed, computed by the
    /// database from every message's readers.
    func backfill(from history: DocumentCollection) async throws {
        let pairs = try await history.aggregate([
            ["$project": ["conversation": 1, "readers": 1]],
            ["$unwind": "$readers"],
            ["$group": ["_id": ["u": "$readers", "c": "$conversation"]]],
        ])
        let all = pairs.compactMap { pair -> (user: String, conversation: String)? in
            guard let key = pair["_id"]?.documentValue, let user = key["u"]?.stringValue,
                let conversation = key["c"]?.stringValue
            else { return nil }
            return (user, conversation)
        }
        for start in stride(from: 0, to: all.count, by: 1_000) {
            try await record(Array(all[start..<min(start + 1_000, all.count)]))
        }
    }
}

/// A bounded set of ids, shared by the history writer's batches.
private final class KnownPairs: Sendable {
    private let ids = Mutex<Set<String>>([])
    private let bound: Int

    init(bound: Int) {
        self.bound = bound
    }

    func unknown(_ candidates: some Collection<String>) -> Set<String> {
        ids.withLock { known in Set(candidates.filter { !known.contains($0) }) }
    }

    func insert(_ new: Set<String>) {
        ids.withLock { known in
            if known.count + new.count > bound { known.removeAll(keepingCapacity: true) }
            known.formUnion(new)
        }
    }
}
