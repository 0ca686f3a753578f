import ChatProtocol
import DocumentStore
import Foundation
import TestSupport
import XCTest

@testable import Persistence

final class OfflineStoreTests: XCTestCase {
    func testAMessageIsStoredOncePerRecipientSourceAndId() async throws {
        let test = try await TestStore()
        try await test.store.store([stored(offlineMessage("m1"), sequence: 1), stored(offlineMessage("m2"), sequence: 2)])
        // A replayed batch: m1 again among new ones; one insert, duplicates are no error.
        try await test.store.store([
            stored(offlineMessage("m1"), sequence: 3),
            stored(offlineMessage("m1", from: "carol"), sequence: 4),
            stored(offlineMessage("m1", to: "dave"), sequence: 5),
        ])
        let bob = try await test.all(of: "bob")
        XCTAssertEqual(bob.map { "\($0.message.source)/\($0.message.id)" }, ["alice/m1", "alice/m2", "carol/m1"])
        XCTAssertEqual(bob.first?.sequence, 1, "the first copy stays")
        let dave = try await test.all(of: "dave")
        XCTAssertEqual(dave.map(\.message.id), ["m1"])
        let indexes = try await test.store.collection.listIndexes()
        let dedupe = try XCTUnwrap(indexes.first { $0.name == OfflineStore.dedupeIndex })
        XCTAssertTrue(dedupe.isUnique)
        XCTAssertEqual(Array(dedupe.keys.keys), ["recipient", "id", "source"], "an ack's delete uses the first two")
        await test.database.close()
    }

    func testStartingOnAnOlderDatabaseReplacesItsDedupeIndex() async throws {
        let test = try await TestStore()
        try await test.store.collection.createIndex(
            ["recipient": 1, "source": 1, "id": 1], unique: true, name: OfflineStore.retiredDedupeIndex)
        try await test.store.store([stored(offlineMessage("m1"), sequence: 1)])
        try await test.store.createIndexes()
        let names = try await test.store.collection.listIndexes().map(\.name)
        XCTAssertFalse(names.contains(OfflineStore.retiredDedupeIndex))
        XCTAssertTrue(names.contains(OfflineStore.dedupeIndex))
        let kept = try await test.all(of: "bob").map(\.message.id)
        XCTAssertEqual(kept, ["m1"], "the stored message stays")
        try await test.store.createIndexes()  // and the next start changes nothing
        let namesAfter = try await test.store.collection.listIndexes().map(\.name)
        XCTAssertEqual(namesAfter.sorted(), names.sorted())
        await test.database.close()
    }

    func testStoredMessagesComeBackUnchanged() async throws {
        let test = try await TestStore()
        let original = stored(offlineMessage("m1"), sequence: 7, for: "member-3")
        try await test.store.store([original])
        let listed = try await test.all(of: "member-3")
        XCTAssertEqual(listed, [original])
        await test.database.close()
    }

    func testAnAckDeletesThatRecipientsMessagesWithThatIdOnly() async throws {
        let test = try await TestStore()
        try await test.store.store([
            stored(offlineMessage("m1"), sequence: 1),
            stored(offlineMessage("m1", from: "carol"), sequence: 2),
            stored(offlineMessage("m2"), sequence: 3),
            stored(offlineMessage("m1", to: "dave"), sequence: 4),
        ])
        let deleted = try await test.store.delete([Acknowledgement(recipient: "bob", id: "m1")])
        XCTAssertEqual(deleted, 2)
        let bob = try await test.all(of: "bob")
        XCTAssertEqual(bob.map(\.message.id), ["m2"])
        let dave = try await test.all(of: "dave")
        XCTAssertEqual(dave.map(\.message.id), ["m1"])
        await test.database.close()
    }

    func testABatchOfAcksForSeveralRecipientsDeletesExactlyThoseMessages() async throws {
        let test = try await TestStore()
        try await test.store.store([
            stored(offlineMessage("m1"), sequence: 1),
            stored(offlineMessage("m2"), sequence: 2),
            stored(offlineMessage("m3"), sequence: 3),
            stored(offlineMessage("m1", to: "dave"), sequence: 4),
            stored(offlineMessage("m2", to: "dave"), sequence: 5),
            stored(offlineMessage("m9", to: "erin"), sequence: 6),
        ])
        let deleted = try await test.store.delete([
            Acknowledgement(recipient: "bob", id: "m1"), Acknowledgement(recipient: "dave", id: "m2"),
            Acknowledgement(recipient: "bob", id: "m3"), Acknowledgement(recipient: "erin", id: "m1"),
        ])
        XCTAssertEqual(deleted, 3)
        let bob = try await test.all(of: "bob"), dave = try await test.all(of: "dave"), erin = try await test.all(of: "erin")
        XCTAssertEqual(bob.map(\.message.id), ["m2"])
        XCTAssertEqual(dave.map(\.message.id), ["m1"])
        XCTAssertEqual(erin.map(\.message.id), ["m9"])
        await test.database.close()
    }

    func testTheLookupNamesExactlyTheGivenUsersWhoHaveStoredMessages() async throws {
        let test = try await TestStore()
        try await test.store.store([
            stored(offlineMessage("m1"), sequence: 1),
            stored(offlineMessage("m2"), sequence: 2),
            stored(offlineMessage("m3", to: "carol"), sequence: 3),
            stored(offlineMessage("m4", to: "erin"), sequence: 4),
        ])
        let found = try await test.store.recipientsWithStoredMessages(among: ["bob", "dave", "carol", "", "bob"])
        XCTAssertEqual(found, ["bob", "carol"], "erin has messages but was not asked about")
        try await test.store.delete([Acknowledgement(recipient: "carol", id: "m3")])
        let afterAck = try await test.store.recipientsWithStoredMessages(among: ["carol", "erin"])
        XCTAssertEqual(afterAck, ["erin"])
        let none = try await test.store.recipientsWithStoredMessages(among: [])
        XCTAssertEqual(none, [])
        await test.database.close()
    }

    func testPagesGoOldestFirstThenInArrivalOrderAndListingDeletesNothing() async throws {
        let test = try await TestStore()
        // (id, serverTimestamp, sequence), stored out of order.
        let entries: [(String, UInt64, Int64)] = [("c", 300, 1), ("a1", 100, 5), ("b", 200, 2), ("a0", 100, 3), ("a2", 100, 9)]
        try await test.store.store(entries.map { stored(offlineMessage($0.0, at: $0.1), sequence: $0.2) })

        var listed: [[String]] = []
        var cursor: PageCursor?
        repeat {
            let page = try await test.store.page(of: "bob", after: cursor, limit: 2)
            listed.append(page.messages.map(\.message.id))
            cursor = page.next
            if let cursor { XCTAssertEqual(PageCursor(cursor.description), cursor, "a cursor survives its text form") }
        } while cursor != nil
        XCTAssertEqual(listed, [["a0", "a1"], ["a2", "b"], ["c"]])
        let count = try await test.store.collection.count(["recipient": "bob"])
        XCTAssertEqual(count, 5)
        await test.database.close()
    }

    func testMessagesCarryTheirExpiryForTheTTLIndex() async throws {
        let test = try await TestStore(retentionDays: 3)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await test.store.store([stored(offlineMessage("m1"), sequence: 1)], now: now)
        let document = try await test.store.collection.findOne(["id": "m1"])
        XCTAssertEqual(document?["expireAt"], .date(now.addingTimeInterval(3 * 86_400)))
        let ttl = try await test.store.collection.listIndexes().first { $0.name == "retention" }
        XCTAssertEqual(ttl?.expireAfterSeconds, 0)
        XCTAssertEqual(ttl?.keys.keys, ["expireAt"])
        await test.database.close()
    }
}
