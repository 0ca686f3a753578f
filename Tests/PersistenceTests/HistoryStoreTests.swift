import Broker
import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import Logging
import Search
import TestSupport
import XCTest

@testable import Persistence

/// The history store against the test stack's database: paging across equal timestamps,
/// group copies, the readers window, the inbox, the retention sweep.
final class HistoryStoreTests: XCTestCase {
    private var documentStore: DocumentStore!
    private var store: HistoryStore!

    override func setUp() async throws {
        documentStore = try DocumentStore(uri: try TestStack.mongoURL())
        let collection = documentStore.collection(HistoryStore.collectionName, in: TestStack.uniqueName("history-tests"))
        store = HistoryStore(collection: collection, retention: .seconds(30 * 86_400))
        try await store.createIndexes()
    }

    override func tearDown() async throws {
        try? await store.collection.drop()
        try? await store.members.collection.drop()
        await documentStore.close()
    }

    /// A `send-message` record as the router or group-router produces it.
    private func copy(
        _ id: String, from source: String, to key: String, group: String? = nil, at timestamp: UInt64, offset: Int64 = 0,
        acceptSequence: UInt64 = 0
    ) -> ConsumedMessage {
        let message = ChatMessage(
            id: id, type: .message, channel: group == nil ? .individual : .group, source: source,
            destination: group ?? key, content: Data(#"{"text":"\#(id)"}"#.utf8), serverTimestamp: timestamp,
            acceptSequence: acceptSequence)
        return ConsumedMessage(topic: "send-message", partition: 0, offset: offset, key: key, value: message.protobufData())
    }

    /// A history over the test's collection with search on, indexes created.
    private func searchedStore(in searchCollection: String, retention: Duration?) async throws -> (HistoryStore, SearchIndex) {
        var searched = HistoryStore(collection: store.collection, retention: retention)
        let search = SearchIndex(collection: store.collection.sibling(searchCollection), retention: retention)
        searched.search = search
        try await searched.createIndexes()
        return (searched, search)
    }

    private func allIds(of conversation: ConversationKey, for user: String, limit: Int, after: Bool = false) async throws -> [String] {
        var ids: [String] = []
        var cursor: HistoryCursor?
        repeat {
            let direction: HistoryStore.Direction = after ? .after(cursor ?? HistoryCursor(at: 0, id: "")) : .before(cursor)
            let page = try await store.page(of: [conversation], readBy: user, direction, limit: limit)
            ids += page.messages.map(\.id)
            cursor = page.next
        } while cursor != nil
        return ids
    }

    func testPagesNeverSkipOrRepeatMessagesWithEqualTimestamps() async throws {
        // 23 messages in the same millisecond between two at other times.
        var records = [copy("early", from: "ann", to: "ben", at: 1_000)]
        records += (0..<23).map { copy(String(format: "same-%02d", $0), from: "ann", to: "ben", at: 2_000) }
        records.append(copy("late", from: "ben", to: "ann", at: 3_000))
        try await store.record(records.compactMap(HistoryEntry.init))

        let conversation = ConversationKey.direct("ann", "ben")
        for limit in [1, 4, 7, 23, 100] {
            let newestFirst = try await allIds(of: conversation, for: "ben", limit: limit)
            XCTAssertEqual(newestFirst.count, 25, "limit \(limit)")
            XCTAssertEqual(Set(newestFirst).count, 25, "limit \(limit): a message repeated")
            XCTAssertEqual(newestFirst.first, "late")
            XCTAssertEqual(newestFirst.last, "early")
            let oldestFirst = try await allIds(of: conversation, for: "ann", limit: limit, after: true)
            XCTAssertEqual(oldestFirst, newestFirst.reversed(), "limit \(limit)")
        }
    }

    /// Within one millisecond the gateway's accept sequence orders messages, not their ids;
    /// a cursor made before cursors carried the sequence resumes where it pointed.
    func testMessagesOfOneMillisecondFollowTheAcceptSequenceAndOldCursorsStillWork() async throws {
        // Ids in the opposite order of acceptance, so ordering by id would reverse them.
        let accepted = (0..<12).map { String(format: "m-%02d", 11 - $0) }
        let records = accepted.enumerated().map { index, id in
            copy(id, from: "ann", to: "ben", at: 5_000, acceptSequence: 5_000_000 + UInt64(index))
        }
        try await store.record(records.shuffled().compactMap(HistoryEntry.init))

        let conversation = ConversationKey.direct("ann", "ben")
        for limit in [1, 5, 100] {
            let newestFirst = try await allIds(of: conversation, for: "ben", limit: limit)
            let oldestFirst = try await allIds(of: conversation, for: "ann", limit: limit, after: true)
            XCTAssertEqual(newestFirst, accepted.reversed(), "limit \(limit)")
            XCTAssertEqual(oldestFirst, accepted, "limit \(limit)")
        }
        let firstPage = try await store.page(of: [conversation], readBy: "ben", .before(nil), limit: 4)
        let next = try XCTUnwrap(firstPage.next)
        XCTAssertNotNil(next.seq)
        let legacy = try XCTUnwrap(HistoryCursor("\(next.at).\(String(HistoryCursor(at: next.at, id: next.id).description.split(separator: ".")[1]))"))
        XCTAssertNil(legacy.seq)
        let resumed = try await store.page(of: [conversation], readBy: "ben", .before(legacy), limit: 100)
        XCTAssertEqual(resumed.messages.map(\.id), Array(accepted.reversed().dropFirst(4)))
    }

    func testEveryGroupCopyAndReplayMakesOneEntryReadByThoseItReached() async throws {
        let group = ConversationKey.group("g1")
        // ann's message reaches ben and cay; a replay repeats ben's copy.
        let copies = [
            copy("g-1", from: "ann", to: "ben", group: "g1", at: 1_000), copy("g-1", from: "ann", to: "cay", group: "g1", at: 1_000),
            copy("g-1", from: "ann", to: "ben", group: "g1", at: 1_000),
        ]
        try await store.record(copies.compactMap(HistoryEntry.init))
        // Later cay left and dan joined: the next message reached ben and dan.
        try await store.record(
            [copy("g-2", from: "ann", to: "ben", group: "g1", at: 2_000), copy("g-2", from: "ann", to: "dan", group: "g1", at: 2_000)]
                .compactMap(HistoryEntry.init))

        // A copy of g-1 that comes in a later batch (it was on another partition), and a
        // replay of a whole earlier batch: readers added, nothing written twice.
        try await store.record([copy("g-1", from: "ann", to: "fay", group: "g1", at: 1_000)].compactMap(HistoryEntry.init))
        try await store.record(copies.compactMap(HistoryEntry.init))
        let fayIds = try await allIds(of: group, for: "fay", limit: 10)
        XCTAssertEqual(fayIds, ["g-1"])

        let documentCount = try await store.collection.count()
        XCTAssertEqual(documentCount, 2, "one document per message")
        let annIds = try await allIds(of: group, for: "ann", limit: 10)
        let benIds = try await allIds(of: group, for: "ben", limit: 10)
        let cayIds = try await allIds(of: group, for: "cay", limit: 10)
        let danIds = try await allIds(of: group, for: "dan", limit: 10)
        let eveIds = try await allIds(of: group, for: "eve", limit: 10)
        XCTAssertEqual(annIds, ["g-2", "g-1"])
        XCTAssertEqual(benIds, ["g-2", "g-1"])
        XCTAssertEqual(cayIds, ["g-1"])
        XCTAssertEqual(danIds, ["g-2"])
        XCTAssertEqual(eveIds, [])
    }

    func testWhatHistoryDoesNotKeep() throws {
        let receipt = ChatMessage(id: "r", type: .notification, channel: .individual, source: "ann", destination: "ben")
        let ephemeral = ChatMessage(id: "t", type: .message, channel: .individual, ephemeral: true, source: "ann", destination: "ben")
        let storedCopy = ConsumedMessage(
            topic: "send-message", partition: 0, offset: 0, key: "ben", value: copy("c", from: "ann", to: "ben", at: 1).value,
            headers: [BrokerHeader(name: RecordHeaders.storedCopy, string: "true")])
        for record in [
            ConsumedMessage(topic: "send-message", partition: 0, offset: 0, key: "ben", value: receipt.protobufData()),
            ConsumedMessage(topic: "send-message", partition: 0, offset: 0, key: "ben", value: ephemeral.protobufData()),
            ConsumedMessage(topic: "send-message", partition: 0, offset: 0, key: "ben", value: Data([0xFF])), storedCopy,
        ] {
            XCTAssertNil(HistoryEntry(record))
        }
    }

    func testTheInboxListsConversationsMostRecentFirstWithTheirLastMessage() async throws {
        try await store.record(
            [
                copy("a-1", from: "ann", to: "ben", at: 1_000), copy("c-1", from: "cay", to: "ben", at: 2_000),
                copy("a-2", from: "ben", to: "ann", at: 3_000), copy("g-1", from: "dan", to: "ben", group: "g9", at: 2_500),
            ].compactMap(HistoryEntry.init))
        let first = try await store.conversations(of: "ben", before: nil, limit: 2)
        XCTAssertEqual(first.conversations.map { $0.key.id(for: "ben") }, ["ann", "g9"])
        XCTAssertEqual(first.conversations.map(\.lastMessage.id), ["a-2", "g-1"])
        XCTAssertEqual(first.conversations.map(\.updatedAt), [3_000, 2_500])
        let second = try await store.conversations(of: "ben", before: first.next, limit: 2)
        XCTAssertEqual(second.conversations.map { $0.key.id(for: "ben") }, ["cay"])
        XCTAssertNil(second.next)
    }

    /// Every secondary index entry costs an insert about as much as the document does on the
    /// local database: the history keeps the conversation order and nothing else.
    func testTheHistoryHasOneIndexBesidesTheId() async throws {
        let names = try await store.collection.listIndexes().map(\.name).sorted()
        XCTAssertEqual(names, ["_id_", HistoryStore.orderIndex].sorted())
    }

    func testTheRetentionSweepDeletesWhatIsPastItAndNothingElse() async throws {
        let now = Date()
        let nowMilliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        let thirtyOneDays: UInt64 = 31 * 86_400_000
        try await store.record(
            [
                copy("old", from: "ann", to: "ben", at: nowMilliseconds - thirtyOneDays),
                copy("new", from: "ben", to: "ann", at: nowMilliseconds - 1_000),
                copy("old-g", from: "ann", to: "cay", group: "g2", at: nowMilliseconds - thirtyOneDays),
                copy("new-g", from: "ann", to: "cay", group: "g2", at: nowMilliseconds),
            ].compactMap(HistoryEntry.init))
        let deleted = try await store.deleteExpired(now: now)
        XCTAssertEqual(deleted, 2)
        let direct = try await allIds(of: .direct("ann", "ben"), for: "ann", limit: 10)
        let group = try await allIds(of: .group("g2"), for: "cay", limit: 10)
        XCTAssertEqual(direct, ["new"])
        XCTAssertEqual(group, ["new-g"])
        let again = try await store.deleteExpired(now: now)
        XCTAssertEqual(again, 0)

        let archived = HistoryStore(collection: store.collection, retention: nil)
        try await store.record([copy("older", from: "ann", to: "ben", at: 1_000)].compactMap(HistoryEntry.init))
        let deletedWithAnArchive = try await archived.deleteExpired(now: now)
        XCTAssertEqual(deletedWithAnArchive, 0, "with an archive, the archiver takes old messages, not the sweep")
    }

    func testTheSweepDeletesSearchEntriesPastTheirRetentionInEveryScope() async throws {
        let (searched, search) = try await searchedStore(in: SearchIndex.collectionName, retention: .seconds(30 * 86_400))
        let now = Date()
        let nowMilliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        try await searched.record(
            [
                copy("old", from: "ann", to: "ben", at: nowMilliseconds - 31 * 86_400_000),
                copy("new", from: "ann", to: "ben", at: nowMilliseconds),
                copy("old-g", from: "ann", to: "cay", group: "g3", at: nowMilliseconds - 31 * 86_400_000),
            ].compactMap(HistoryEntry.init))
        let before = try await search.collection.count()
        XCTAssertEqual(before, 3, "one entry per message and scope")
        let deleted = try await searched.deleteExpiredSearchEntries(now: now)
        XCTAssertEqual(deleted, 2)
        let left = try await search.collection.find([:]).compactMap { $0["_id"]?.stringValue }.sorted()
        let conversation = ConversationKey.direct("ann", "ben").stored
        XCTAssertEqual(left, [SearchIndex.entryId(of: conversation + ConversationKey.separator + "new", in: conversation)])
        try await search.collection.drop()
    }

    /// A group message's copies come in several batches: one entry, every member a reader;
    /// only readers find it.
    func testAGroupMessageIsOneSearchEntryReadByEveryMemberItReached() async throws {
        let (searched, search) = try await searchedStore(in: "search-group", retention: nil)
        for member in ["ben", "cay"] {
            try await searched.record([copy("g-1", from: "ann", to: member, group: "g4", at: 5_000)].compactMap(HistoryEntry.init))
        }
        let entries = try await search.collection.find([:])
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(Set(entries.first?["r"]?.arrayValue?.compactMap(\.stringValue) ?? []), ["ann", "ben", "cay"])
        let scopes = [ConversationKey.group("g4").stored]
        for (reader, expected) in [("cay", 1), ("dan", 0)] {
            let found = try await search.search(try SearchQuery("g-"), readBy: reader, in: scopes, before: nil, limit: 10)
            XCTAssertEqual(found.hits.count, expected, reader)
        }
        try await search.collection.drop()
    }

    /// Pages over several conversations, merged from one query each, come out newest first
    /// with no repeats and no gaps, whatever the page size.
    func testSearchPagesAcrossConversationsWithoutRepeatsOrGaps() async throws {
        let (searched, search) = try await searchedStore(in: "search-paging", retention: nil)
        var copies: [ConsumedMessage] = []
        for (index, partner) in ["ben", "cay", "dan"].enumerated() {
            // Conversations interleaved in time, one of them much busier than the others.
            for number in 0..<(index == 0 ? 30 : 7) {
                copies.append(copy("hi-\(partner)-\(number)", from: "ann", to: partner, at: UInt64(10_000 + number * 10 + index)))
            }
        }
        try await searched.record(copies.compactMap(HistoryEntry.init))
        let expected = copies.map { HistoryEntry($0)! }.sorted { SortablePosition.of($0) > SortablePosition.of($1) }.map(\.documentId)
        let scopes = ["ben", "cay", "dan"].map { ConversationKey.direct("ann", $0).stored }
        for limit in [1, 4, 50] {
            var found: [String] = []
            var cursor: String?
            repeat {
                let page = try await search.search(try SearchQuery("hi"), readBy: "ann", in: scopes, before: cursor, limit: limit)
                found += page.hits.map(\.documentId)
                cursor = page.next
            } while cursor != nil
            XCTAssertEqual(found, expected, "limit \(limit)")
        }
        try await search.collection.drop()
    }

    /// Entries from before scopes (one per reader, prefix terms) become one per scope.
    func testAnOlderSearchIndexIsRewrittenPerScope() async throws {
        let collection = store.collection.sibling("search-legacy")
        try await collection.createIndex(["r": 1, "t": 1, "p": -1], name: SearchIndexUpgrade.legacyReaderIndex)
        let direct = ConversationKey.direct("ann", "ben").stored
        let page = ConversationKey.page("pg1", thread: "ann").stored
        var legacy: [Document] = []
        for (reader, conversation) in [("ann", direct), ("ben", direct), ("ann", page), ("pg1", page)] {
            let documentId = conversation + ConversationKey.separator + "m"
            legacy.append([
                "_id": .string(reader + ConversationKey.separator + documentId), "r": .string(reader),
                "t": ["hello", "~hel"], "p": "0001", "c": .string(conversation), "d": .string(documentId), "at": 1, "seq": 0,
            ])
        }
        _ = try await collection.insertMany(legacy)
        let index = SearchIndex(collection: collection, retention: nil)
        try await index.createIndexes()
        let rewritten = try await SearchIndexUpgrade(index: index, logger: Logger(label: "test")).upgrade()
        XCTAssertEqual(rewritten, 4)
        let entries = try await collection.find([:])
        let byScope = Dictionary(uniqueKeysWithValues: entries.map { ($0["s"]?.stringValue ?? "", $0) })
        XCTAssertEqual(Set(byScope.keys), [direct, page, "pg1"])
        XCTAssertEqual(Set(byScope[direct]?["r"]?.arrayValue?.compactMap(\.stringValue) ?? []), ["ann", "ben"])
        XCTAssertEqual(Set(byScope["pg1"]?["r"]?.arrayValue?.compactMap(\.stringValue) ?? []), ["ann", "pg1"])
        XCTAssertEqual(byScope[direct]?["t"]?.arrayValue?.compactMap(\.stringValue), ["hello"], "prefix terms go")
        let names = try await collection.listIndexes().map(\.name)
        XCTAssertFalse(names.contains(SearchIndexUpgrade.legacyReaderIndex))
        let found = try await index.search(try SearchQuery("hel"), readBy: "pg1", in: ["pg1"], before: nil, limit: 10)
        XCTAssertEqual(found.hits.map(\.conversation), [page])
        try await collection.drop()
    }

    /// A history written before `HistoryMembers`: indexes on readers and expiry, no members.
    func testAnOlderHistoryKeepsItsInboxAndLosesItsReaderAndExpiryIndexes() async throws {
        let legacy = HistoryStore(collection: store.collection.sibling("legacy-history"), retention: .seconds(86_400))
        try await legacy.collection.createIndex(["readers": 1, "at": 1], name: HistoryStore.legacyReadersIndex)
        try await legacy.collection.createIndex(["expireAt": 1], expireAfterSeconds: 0, name: HistoryStore.legacyRetentionIndex)
        for (id, source, recipient, at) in [("l-1", "ann", "ben", 1_000), ("l-2", "cay", "ben", 2_000)] {
            let message = ChatMessage(
                id: id, type: .message, channel: .individual, source: source, destination: recipient,
                content: Data(#"{"text":"\#(id)"}"#.utf8), serverTimestamp: UInt64(at))
            let conversation = ConversationKey.direct(source, recipient).stored
            try await legacy.collection.insertOne([
                "_id": .string(conversation + ConversationKey.separator + id), "conversation": .string(conversation),
                "id": .string(id), "source": .string(source), "at": .int64(Int64(at)), "seq": .int64(0),
                "readers": [.string(source), .string(recipient)], "message": .string(message.protobufData().base64EncodedString()),
                "expireAt": .date(Date().addingTimeInterval(86_400)),
            ])
        }
        try await legacy.createIndexes()

        let names = try await legacy.collection.listIndexes().map(\.name)
        XCTAssertFalse(names.contains(HistoryStore.legacyReadersIndex))
        XCTAssertFalse(names.contains(HistoryStore.legacyRetentionIndex))
        let inbox = try await legacy.conversations(of: "ben", before: nil, limit: 10)
        XCTAssertEqual(inbox.conversations.map { $0.key.id(for: "ben") }, ["cay", "ann"])
        XCTAssertEqual(inbox.conversations.map(\.lastMessage.id), ["l-2", "l-1"])
        try await legacy.collection.drop()
    }

    func testCursorsRoundTripAndRejectGarbage() {
        let cursor = HistoryCursor(at: 1_700_000_000_123, id: "u:ann\u{1F}ben\u{1F}id/with+odd=chars")
        XCTAssertEqual(HistoryCursor(cursor.description), cursor)
        XCTAssertTrue(cursor.description.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        for garbage in ["", "12", "x.YQ", "-1.YQ", "12.", "12.%%", "12.YQ==", "12.-3.YQ", "12.x.YQ", "12.3.", "12.3.YQ.YQ"] {
            XCTAssertNil(HistoryCursor(garbage), garbage)
        }
        let sequenced = HistoryCursor(at: 1_700_000_000_123, seq: 1_700_000_000_123_456, id: "g:team\u{1F}m1")
        XCTAssertEqual(HistoryCursor(sequenced.description), sequenced)
        XCTAssertEqual(sequenced.description.split(separator: ".").count, 3)
        XCTAssertNil(HistoryCursor(cursor.description)?.seq, "a cursor without a sequence read as having one")
    }
}
