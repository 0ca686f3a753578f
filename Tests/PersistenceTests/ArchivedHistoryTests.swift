import AsyncHTTPClient
import Broker
import ChatProtocol
import DocumentStore
import Foundation
import HistoryArchive
import Logging
import ObjectStore
import TestSupport
import XCTest

@testable import Persistence

/// The history with an archive, against the test stack's database and object store: pages
/// read MongoDB and the chunks as one history, whatever part is archived; interrupted runs
/// leave every message readable once; a store that is down fails only archived pages.
final class ArchivedHistoryTests: XCTestCase {
    private var documentStore: DocumentStore!
    private var http: HTTPClient!
    private var objects: ObjectStoreClient!
    private var databaseName = ""
    private var store: HistoryStore!
    private var reader: ChunkReader!

    override func setUp() async throws {
        documentStore = try DocumentStore(uri: try TestStack.mongoURL())
        databaseName = TestStack.uniqueName("archive-tests")
        http = ObjectStoreClient.makeHTTPClient()
        objects = ObjectStoreClient(configuration: try Self.storeConfiguration(), httpClient: http)
        store = try await makeStore(objects: objects)
    }

    override func tearDown() async throws {
        try? await documentStore.collection(HistoryStore.collectionName, in: databaseName).drop()
        try? await documentStore.collection(ChunkIndex.collectionName, in: databaseName).drop()
        try? await http.shutdown()
        await documentStore.close()
    }

    static func storeConfiguration(endpoint: String? = nil) throws -> ObjectStoreConfiguration {
        let text = try endpoint ?? TestStack.s3Endpoint()
        return ObjectStoreConfiguration(
            endpoint: try XCTUnwrap(ObjectStoreEndpoint(text)), bucket: try TestStack.s3Bucket(),
            credentials: SigV4Credentials(accessKey: try TestStack.s3AccessKey(), secretKey: try TestStack.s3SecretKey()),
            requestTimeout: .seconds(3))
    }

    private func makeStore(objects: ObjectStoreClient) async throws -> HistoryStore {
        reader = ChunkReader(store: objects)
        var history = HistoryStore(collection: documentStore.collection(HistoryStore.collectionName, in: databaseName), retention: nil)
        history.archive = HistoryReadThrough(
            index: ChunkIndex(collection: documentStore.collection(ChunkIndex.collectionName, in: databaseName)), reader: reader)
        try await history.createIndexes()
        return history
    }

    private func archiver(chunkMessages: Int, objects: ObjectStoreClient? = nil) -> HistoryArchiver {
        HistoryArchiver(
            database: documentStore, databaseName: databaseName, store: objects ?? self.objects, chunkMessages: chunkMessages,
            retention: nil, owner: TestStack.uniqueName("archiver"), logger: Logger(label: "archive-test"))
    }

    /// Archives what was accepted before `at` (ms).
    @discardableResult
    private func archive(before at: Int64, chunkMessages: Int = 16) async throws -> HistoryArchiver.Summary {
        let archiver = archiver(chunkMessages: chunkMessages)
        try await archiver.prepare()
        return try await archiver.run(archivingBefore: Date(timeIntervalSince1970: TimeInterval(at) / 1000))
    }

    private func copy(
        _ id: String, from source: String, to key: String, group: String? = nil, at timestamp: UInt64, sequence: UInt64
    ) -> ConsumedMessage {
        let message = ChatMessage(
            id: id, type: .message, channel: group == nil ? .individual : .group, source: source,
            destination: group ?? key, content: Data(#"{"text":"\#(id)"}"#.utf8), serverTimestamp: timestamp,
            acceptSequence: sequence)
        return ConsumedMessage(topic: "send-message", partition: 0, offset: 0, key: key, value: message.protobufData())
    }

    /// 200 messages between ann and ben, five per millisecond, with ids that sort against
    /// the order they were accepted in; and 60 in a group carol was in for 20 of them.
    private func seed() async throws {
        var records: [ConsumedMessage] = []
        for index in 0..<200 {
            let from = index % 3 == 0 ? "ben" : "ann"
            records.append(
                copy(
                    String(format: "d-%03d", 199 - index), from: from, to: from == "ann" ? "ben" : "ann",
                    at: 10_000 + UInt64(index / 5), sequence: 10_000_000 + UInt64(index)))
        }
        for index in 0..<60 {
            let id = String(format: "g-%03d", index)
            let members = (20..<40).contains(index) ? ["ann", "ben", "carol"] : ["ann", "ben"]
            for member in members where member != "ann" {
                records.append(copy(id, from: "ann", to: member, group: "team", at: 10_000 + UInt64(index), sequence: 20_000_000 + UInt64(index)))
            }
        }
        try await store.record(records.compactMap(HistoryEntry.init))
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

    private func views() async throws -> [String: [String]] {
        var views: [String: [String]] = [:]
        for limit in [1, 7, 100] {
            views["direct-\(limit)-before"] = try await allIds(of: .direct("ann", "ben"), for: "ben", limit: limit)
            views["direct-\(limit)-after"] = try await allIds(of: .direct("ann", "ben"), for: "ann", limit: limit, after: true)
            views["group-\(limit)-ben"] = try await allIds(of: .group("team"), for: "ben", limit: limit)
            views["group-\(limit)-carol"] = try await allIds(of: .group("team"), for: "carol", limit: limit, after: true)
        }
        return views
    }

    private var databaseCount: Int {
        get async throws { try await store.collection.count() }
    }

    func testPagesReadThroughTheArchiveInBothDirectionsWhateverPartIsArchived() async throws {
        try await seed()
        let before = try await views()
        XCTAssertEqual(before["direct-7-before"]?.count, 200)
        XCTAssertEqual(before["direct-7-before"]?.first, "d-000", "the last accepted comes first")
        XCTAssertEqual(before["group-7-carol"], (20..<40).map { String(format: "g-%03d", $0) })

        // The older part: 130 direct messages (26 ms) and 26 group ones, in chunks of 16.
        let partial = try await archive(before: 10_026)
        XCTAssertEqual(partial.archivedMessages, 130 + 26)
        XCTAssertEqual(partial.chunksWritten, 9 + 2)
        let remaining = try await databaseCount
        XCTAssertEqual(remaining, 200 + 60 - 156)
        let afterPartial = try await views()
        XCTAssertEqual(afterPartial, before)

        // Everything: MongoDB keeps nothing, the pages are the same.
        let full = try await archive(before: 20_000)
        XCTAssertEqual(full.archivedMessages, 104)
        XCTAssertNil(full.oldestInDatabase)
        let empty = try await databaseCount
        XCTAssertEqual(empty, 0)
        let afterFull = try await views()
        XCTAssertEqual(afterFull, before)

        // The inbox lists both conversations with their last messages.
        let inbox = try await store.conversations(of: "ben", before: nil, limit: 10)
        XCTAssertEqual(Set(inbox.conversations.map(\.key.stored)), [ConversationKey.direct("ann", "ben").stored, "g:team"])
        XCTAssertEqual(inbox.conversations.first { $0.key.type == "user" }?.lastMessage.id, "d-000")
        XCTAssertEqual(inbox.conversations.first { $0.key.type == "group" }?.lastMessage.id, "g-059")
        let carol = try await store.conversations(of: "carol", before: nil, limit: 10)
        XCTAssertEqual(carol.conversations.first?.lastMessage.id, "g-039", "carol's last is the last she read")
    }

    /// With the reader's cache, walking back through a conversation reads each chunk once.
    func testAnArchivedConversationCostsOneObjectReadPerChunk() async throws {
        try await seed()
        let summary = try await archive(before: 20_000, chunkMessages: 16)
        let directChunks = Int((200.0 / 16).rounded(.up))
        XCTAssertEqual(summary.chunksWritten, directChunks + Int((60.0 / 16).rounded(.up)))
        store = try await makeStore(objects: objects)
        let ids = try await allIds(of: .direct("ann", "ben"), for: "ann", limit: 7)
        XCTAssertEqual(ids.count, 200)
        XCTAssertEqual(reader.objectReads, directChunks)
        // One newest page of a fresh reader touches one chunk.
        store = try await makeStore(objects: objects)
        _ = try await store.page(of: [.direct("ann", "ben")], readBy: "ann", .before(nil), limit: 5)
        XCTAssertEqual(reader.objectReads, 1)
    }

    /// `--archive-retention-days`: chunks whose newest message is older go, object and record.
    func testChunksPastTheRetentionAreRemoved() async throws {
        try await seed()
        let written = try await archive(before: 20_000)
        XCTAssertEqual(written.chunksWritten, 17)
        let index = ChunkIndex(collection: documentStore.collection(ChunkIndex.collectionName, in: databaseName))
        let keys = try await index.collection.find([:]).compactMap { $0["_id"]?.stringValue }
        XCTAssertEqual(keys.count, 17)

        // The seeded messages are from 1970: a day's retention keeps none of them.
        let keeping = HistoryArchiver(
            database: documentStore, databaseName: databaseName, store: objects, chunkMessages: 16, retention: .seconds(86_400),
            owner: TestStack.uniqueName("archiver"), logger: Logger(label: "archive-test"))
        let removal = try await keeping.run(archivingBefore: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(removal.chunksRemoved, 17)
        let left = try await index.collection.count()
        XCTAssertEqual(left, 0)
        for key in keys {
            do {
                _ = try await objects.getObject(key)
                XCTFail("\(key) is still in the store")
            } catch ObjectStoreError.notFound {}
        }
        let page = try await store.page(of: [.direct("ann", "ben")], readBy: "ann", .before(nil), limit: 10)
        XCTAssertTrue(page.messages.isEmpty)
    }

    /// A run stopped after writing a chunk but before deleting MongoDB's copies, or before
    /// finishing its object: readers see each message once, and the next run finishes it.
    func testAnInterruptedRunLeavesEveryMessageReadableOnce() async throws {
        try await seed()
        let before = try await views()
        try await archive(before: 20_000)
        let index = ChunkIndex(collection: documentStore.collection(ChunkIndex.collectionName, in: databaseName))

        // As if the run had stopped between steps 2 and 3 of two chunks: their messages are
        // back in MongoDB and the records say `written`.
        let records = try await index.collection.find(
            ["conversation": .string(ConversationKey.direct("ann", "ben").stored)], sort: ["firstAt": 1], limit: 2)
        for document in records {
            let key = try XCTUnwrap(document["_id"]?.stringValue)
            let chunk = try await reader.messages(of: try XCTUnwrap(ChunkRecord(document: document)))
            _ = try await store.collection.insertMany(chunk.map(\.historyDocument))
            _ = try await index.collection.updateOne(["_id": .string(key)], ["$set": ["state": "written"]])
        }
        // And one stopped after step 1: a record of a chunk never written.
        try await index.collection.insertOne([
            "_id": "history/v1/never-written.jsonl.gz", "conversation": .string(ConversationKey.direct("ann", "ben").stored),
            "state": "writing", "count": 1, "sha256": "0", "bytes": 1, "firstAt": 0, "firstSeq": 0, "firstId": "a",
            "lastAt": 0, "lastSeq": 0, "lastId": "a", "readers": ["ann", "ben"],
        ])
        let restored = try await databaseCount
        XCTAssertEqual(restored, 32)
        let meanwhile = try await views()
        XCTAssertEqual(meanwhile, before, "a message in MongoDB and a written chunk is listed once")

        let next = try await archive(before: 0)
        XCTAssertEqual(next.chunksRecovered, 3)
        XCTAssertEqual(next.archivedMessages, 0)
        let left = try await databaseCount
        XCTAssertEqual(left, 0)
        let states = try await index.collection.find([:]).compactMap { $0["state"]?.stringValue }
        XCTAssertEqual(Set(states), ["archived"])
        let afterRecovery = try await views()
        XCTAssertEqual(afterRecovery, before)
    }

    /// The store down: archiving fails and keeps everything in MongoDB; recent pages work,
    /// archived ones fail (the route answers 503).
    func testAStoreThatIsDownFailsOnlyWhatNeedsIt() async throws {
        try await seed()
        try await archive(before: 10_020)
        let down = ObjectStoreClient(configuration: try Self.storeConfiguration(endpoint: "http://127.0.0.1:\(try freePort())"), httpClient: http)
        store = try await makeStore(objects: down)

        let recent = try await store.page(of: [.direct("ann", "ben")], readBy: "ann", .before(nil), limit: 20)
        XCTAssertEqual(recent.messages.count, 20)
        do {
            _ = try await allIds(of: .direct("ann", "ben"), for: "ann", limit: 50)
            XCTFail("an archived page was read with the store down")
        } catch let error as ObjectStoreError {
            guard case .unavailable = error else { return XCTFail("\(error)") }
        }

        let inMongo = try await databaseCount
        let failing = archiver(chunkMessages: 16, objects: down)
        do {
            _ = try await failing.run(archivingBefore: Date(timeIntervalSince1970: 20))
            XCTFail("archiving succeeded with the store down")
        } catch {}
        let stillInMongo = try await databaseCount
        XCTAssertEqual(stillInMongo, inMongo, "nothing is deleted from MongoDB while the store is down")
        let index = ChunkIndex(collection: documentStore.collection(ChunkIndex.collectionName, in: databaseName))
        let writing = try await index.collection.count(["state": "writing"])
        XCTAssertEqual(writing, 1, "the chunk it began is thrown away by the next run")
        store = try await makeStore(objects: objects)
        let recovered = try await archive(before: 0)
        XCTAssertEqual(recovered.chunksRecovered, 1)
        let ids = try await allIds(of: .direct("ann", "ben"), for: "ann", limit: 50)
        XCTAssertEqual(ids.count, 200)
    }
}

extension ArchivedMessage {
    /// The `history` document it came from.
    fileprivate var historyDocument: Document {
        [
            "_id": .string(documentId), "conversation": .string(conversation), "id": .string(messageId), "source": .string(source),
            "at": .int64(at), "seq": .int64(seq), "readers": .array(readers.map(BSONValue.string)), "message": .string(message),
        ]
    }
}
