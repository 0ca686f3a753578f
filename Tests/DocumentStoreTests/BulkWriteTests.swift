import DocumentStore
import Testing

/// Bulk writes against the real server named by VARTALAP_TEST_MONGO_URL.
@Suite struct BulkWriteTests {
    @Test func mixedWritesInOneCallGiveTheRightDocumentsAndCounts() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertMany([
                ["_id": "kept", "n": 1], ["_id": "bumped", "n": 1], ["_id": "gone", "n": 1],
                ["_id": "old1", "old": true], ["_id": "old2", "old": true],
            ])
            let result = try await items.bulkWrite(
                [
                    .updateOne(filter: ["_id": "new"], update: ["$set": ["n": 7]], upsert: true),
                    .updateOne(filter: ["_id": "bumped"], update: ["$inc": ["n": 1]], upsert: true),
                    .updateOne(filter: ["_id": "kept"], update: ["$set": ["n": 1]]),
                    .updateOne(filter: ["_id": "absent"], update: ["$set": ["n": 1]]),
                    .insertOne(["_id": "inserted", "n": 3]),
                    .deleteOne(filter: ["_id": "gone"]),
                    .deleteOne(filter: ["_id": "absent"]),
                    .deleteMany(filter: ["old": true]),
                ], ordered: false)

            #expect(
                result
                    == BulkWriteResult(
                        insertedCount: 1, matchedCount: 2, modifiedCount: 1, deletedCount: 3, upsertedCount: 1,
                        upsertedIDs: [0: "new"]))
            #expect(
                try await items.find(sort: ["_id": 1])
                    == [["_id": "bumped", "n": 2], ["_id": "inserted", "n": 3], ["_id": "kept", "n": 1], ["_id": "new", "n": 7]])
        }
    }

    @Test func orderedWritesToOneDocumentTakeEffectInListOrder() async throws {
        try await TestDatabase.withCollection { items in
            let result = try await items.bulkWrite([
                .updateOne(filter: ["_id": "c"], update: ["$set": ["state": "first"]], upsert: true),
                .deleteOne(filter: ["_id": "c"]),
                .updateOne(filter: ["_id": "c"], update: ["$set": ["state": "last"]], upsert: true),
                .updateMany(filter: ["state": "last"], update: ["$set": ["seen": true]]),
            ])
            #expect(result.upsertedCount == 2)
            #expect(result.upsertedIDs == [0: "c", 2: "c"])
            #expect(result.deletedCount == 1)
            #expect(try await items.find() == [["_id": "c", "state": "last", "seen": true]])
        }
    }

    @Test func anEmptyListWritesNothing() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["_id": "a"])
            #expect(try await items.bulkWrite([], ordered: false) == BulkWriteResult())
            #expect(try await items.bulkWrite([]) == BulkWriteResult())
            #expect(try await items.find() == [["_id": "a"]])
        }
    }

    @Test func aDuplicateKeyIsReportedAndUnorderedWritesAroundItStillApply() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["_id": "taken"])
            let error = try await #require(throws: DocumentStoreError.self) {
                try await items.bulkWrite(
                    [.insertOne(["_id": "before"]), .insertOne(["_id": "taken"]), .insertOne(["_id": "after"])],
                    ordered: false)
            }
            #expect(error.isDuplicateKey)
            #expect(try await items.find(sort: ["_id": 1]) == [["_id": "after"], ["_id": "before"], ["_id": "taken"]])
        }
    }

    @Test func anOrderedBulkStopsAtTheDuplicateKey() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["_id": "taken"])
            let error = try await #require(throws: DocumentStoreError.self) {
                try await items.bulkWrite([
                    .updateOne(filter: ["_id": "before"], update: ["$set": ["n": 1]], upsert: true),
                    .insertOne(["_id": "taken"]),
                    .deleteOne(filter: ["_id": "taken"]),
                ])
            }
            #expect(error.isDuplicateKey)
            #expect(try await items.find(sort: ["_id": 1]) == [["_id": "before", "n": 1], ["_id": "taken"]])
        }
    }

    @Test func anUpdateWithoutOperatorsIsRefusedBeforeAnythingIsWritten() async throws {
        try await TestDatabase.withCollection { items in
            let error = try await #require(throws: DocumentStoreError.self) {
                try await items.bulkWrite([.insertOne(["_id": "a"]), .updateOne(filter: ["_id": "a"], update: ["n": 1])])
            }
            guard case .driver = error else {
                Issue.record("expected a .driver error, got \(error)")
                return
            }
            #expect(try await items.count() == 0)
        }
    }
}
