import ChatProtocol
import DocumentStore
import Foundation
import Search

/// A searchable history written straight into the database, in the documents
/// persistence's history writer makes (`HistoryStore.record`, `HistoryMembers`,
/// `SearchIndex.record`, one-to-one messages): a million messages through the stack would
/// take over an hour at the writer's pace. The searches that follow go through the stack,
/// and the seed's last message must be found there first, so a layout that drifted from
/// persistence's fails the run instead of timing empty searches.
struct SearchSeed {
    static let batch = 1000
    static let separator = "\u{1F}"

    let users: [String]
    /// Each user writes to this many others (the next ones in `users`), so they read about
    /// twice as many conversations.
    let partners: Int
    let wordsPerMessage: Int

    /// Writes `messages` messages, the last one holding `marker`; the newest is sent now,
    /// the others a millisecond apart before it. Returns the seconds it took.
    func run(messages: Int, words: inout SearchVocabulary, marker: String, mongoURL: String, database: String) async throws -> Double {
        let store = try DocumentStore(uri: mongoURL, maxConnections: 1)
        let history = store.collection("history", in: database)
        let members = history.sibling("history_members")
        let search = history.sibling("search_terms")
        let started = ContinuousClock.now
        let newest = Int64(Date().timeIntervalSince1970 * 1000)
        var seenPairs: Set<String> = []
        do {
            for start in stride(from: 0, to: messages, by: Self.batch) {
                var messageDocuments: [Document] = [], searchDocuments: [Document] = [], memberDocuments: [Document] = []
                for index in start..<min(messages, start + Self.batch) {
                    let text = words.text(words: wordsPerMessage) + (index == messages - 1 ? " \(marker)" : "")
                    let (source, recipient) = pair(of: index)
                    let at = newest - Int64(messages - 1 - index)
                    let conversation = "u:" + [source, recipient].sorted().joined(separator: Self.separator)
                    for user in [source, recipient] where seenPairs.insert(user + Self.separator + conversation).inserted {
                        memberDocuments.append(["_id": .string(user + Self.separator + conversation), "u": .string(user), "c": .string(conversation)])
                    }
                    let id = "seed-\(index)"
                    let documentId = conversation + Self.separator + id
                    let readers: BSONValue = .array([.string(source), .string(recipient)])
                    let message = ChatMessage(
                        id: id, type: .message, channel: .individual, source: source, destination: recipient,
                        content: Data(#"{"text":"\#(text)"}"#.utf8), serverTimestamp: UInt64(at))
                    messageDocuments.append([
                        "_id": .string(documentId), "conversation": .string(conversation), "id": .string(id),
                        "source": .string(source), "at": .int64(at), "seq": .int64(0), "readers": readers,
                        "message": .string(message.protobufData().base64EncodedString()),
                    ])
                    searchDocuments.append([
                        "_id": .string(documentId + Self.separator + conversation), "s": .string(conversation),
                        "t": .array(SearchTerms.words(of: text).map(BSONValue.string)),
                        "p": .string(SortablePosition.text(at: at, seq: 0, id: documentId)), "c": .string(conversation),
                        "d": .string(documentId), "at": .int64(at), "seq": .int64(0), "r": readers,
                    ])
                }
                if !memberDocuments.isEmpty { _ = try await members.insertMany(memberDocuments, ordered: false) }
                _ = try await history.insertMany(messageDocuments, ordered: false)
                _ = try await search.insertMany(searchDocuments, ordered: false)
                if (start / Self.batch) % 50 == 49 { print("seeded \(start + Self.batch)") }
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return (ContinuousClock.now - started).seconds
    }

    /// Who writes message `index` to whom: senders in turn, each to their partners in turn.
    func pair(of index: Int) -> (source: String, recipient: String) {
        let sender = index % users.count
        let offset = 1 + (index / users.count) % partners
        return (users[sender], users[(sender + offset) % users.count])
    }
}

