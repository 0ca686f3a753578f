import DocumentStore
import Foundation
import Testing

/// Reads and writes against the real server named by VARTALAP_TEST_MONGO_URL.
@Suite struct CRUDTests {
    @Test func codableInsertFindUpdateDeleteRoundTrip() async throws {
        try await TestDatabase.withCollection { messages in
            let original = StoredMessage.sample(1)
            try await messages.insertOne(original)
            #expect(try await messages.findOne(["_id": "m1"], as: StoredMessage.self) == original)

            let result = try await messages.updateOne(["_id": "m1"], ["$set": ["text": "edited"]])
            #expect(result == UpdateResult(matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedID: nil))
            var edited = original
            edited.text = "edited"
            #expect(try await messages.find(["conversation": "c1"], as: StoredMessage.self) == [edited])

            #expect(try await messages.deleteOne(["_id": "m1"]) == 1)
            #expect(try await messages.findOne(["_id": "m1"]) == nil)
            #expect(try await messages.deleteOne(["_id": "m1"]) == 0)
        }
    }

    @Test func serverAssignsObjectIDWhenMissing() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["name": "no id"])
            let stored = try #require(try await items.findOne())
            guard case .objectID(let hex) = stored["_id"] else {
                Issue.record("expected an ObjectId _id, got \(String(describing: stored["_id"]))")
                return
            }
            #expect(hex.count == 24)
            #expect(try await items.findOne(["_id": .objectID(hex)])?["name"] == "no id")
        }
    }

    @Test func projectionReturnsOnlyChosenFields() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertOne(StoredMessage.sample(1))
            let projected = try await messages.find(projection: ["_id": 0, "text": 1, "sender": 1])
            #expect(projected.count == 1)
            #expect(Set(projected[0].keys) == ["text", "sender"])
            #expect(projected[0]["text"] == "hello 1")
        }
    }

    @Test func sortLimitAndSkipGiveTheRightSlice() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertMany((1...10).map { StoredMessage.sample($0) })
            let newestThree = try await messages.find(sort: ["sequence": -1], limit: 3, as: StoredMessage.self)
            #expect(newestThree.map(\.sequence) == [10, 9, 8])
            let page = try await messages.find(sort: ["sequence": 1], limit: 2, skip: 4)
            #expect(page.compactMap { $0["sequence"]?.intValue } == [5, 6])
            let bySenderThenNewest = try await messages.find(
                ["sequence": ["$lte": 6]], sort: ["sender": 1, "sequence": -1], as: StoredMessage.self)
            #expect(bySenderThenNewest.map(\.sequence) == [6, 3, 4, 1, 5, 2])
            let oldest = try await messages.findOne(sort: ["sentAt": 1], as: StoredMessage.self)
            #expect(oldest?.sequence == 1)
        }
    }

    @Test func countHonoursTheFilter() async throws {
        try await TestDatabase.withCollection { messages in
            #expect(try await messages.count() == 0)
            try await messages.insertMany((1...7).map { StoredMessage.sample($0, conversation: $0 <= 4 ? "a" : "b") })
            #expect(try await messages.count() == 7)
            #expect(try await messages.count(["conversation": "a"]) == 4)
            #expect(try await messages.count(["sequence": ["$gt": 5]]) == 2)
        }
    }

    @Test func upsertCreatesThenUpdates() async throws {
        try await TestDatabase.withCollection { presence in
            let first = try await presence.updateOne(
                ["_id": "u1"], ["$set": ["status": "online"], "$inc": ["logins": 1]], upsert: true)
            #expect(first.matchedCount == 0)
            #expect(first.upsertedCount == 1)
            #expect(first.upsertedID == "u1")

            let second = try await presence.updateOne(
                ["_id": "u1"], ["$set": ["status": "away"], "$inc": ["logins": 1]], upsert: true)
            #expect(second == UpdateResult(matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedID: nil))

            let stored = try #require(try await presence.findOne(["_id": "u1"]))
            #expect(stored["status"] == "away")
            #expect(stored["logins"]?.intValue == 2)
            #expect(try await presence.count() == 1)
        }
    }

    @Test func arrayAndFieldOperators() async throws {
        try await TestDatabase.withCollection { groups in
            try await groups.insertOne(["_id": "g1", "members": ["a", "b"], "topic": "x", "version": 1])
            try await groups.updateOne(["_id": "g1"], ["$push": ["members": "c"]])
            try await groups.updateOne(["_id": "g1"], ["$addToSet": ["members": "a"]])
            try await groups.updateOne(["_id": "g1"], ["$addToSet": ["members": "d"]])
            try await groups.updateOne(["_id": "g1"], ["$pull": ["members": "b"]])
            try await groups.updateOne(["_id": "g1"], ["$unset": ["topic": ""], "$inc": ["version": 2]])

            let group = try #require(try await groups.findOne(["_id": "g1"]))
            #expect(group["members"] == ["a", "c", "d"])
            #expect(group["topic"] == nil)
            #expect(group["version"]?.intValue == 3)
            #expect(try await groups.count(["members": "c"]) == 1)
        }
    }

    @Test func updateManyAndDeleteManyReportCounts() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertMany((1...6).map { StoredMessage.sample($0, conversation: $0 % 2 == 0 ? "even" : "odd") })
            let read = try await messages.updateMany(["conversation": "even"], ["$addToSet": ["readBy": "u9"]])
            #expect(read.matchedCount == 3)
            #expect(read.modifiedCount == 3)
            #expect(try await messages.count(["readBy": "u9"]) == 3)
            #expect(try await messages.deleteMany(["conversation": "odd"]) == 3)
            #expect(try await messages.deleteMany([:]) == 3)
            #expect(try await messages.count() == 0)
        }
    }

    @Test func findOneAndUpdateReturnsNewOrOldDocument() async throws {
        try await TestDatabase.withCollection { counters in
            try await counters.insertOne(["_id": "seq", "value": 41])
            let after = try await counters.findOneAndUpdate(["_id": "seq"], ["$inc": ["value": 1]])
            #expect(after?["value"]?.intValue == 42)

            let before = try await counters.findOneAndUpdate(
                ["_id": "seq"], ["$inc": ["value": 1]], returnNew: false)
            #expect(before?["value"]?.intValue == 42)

            let missing = try await counters.findOneAndUpdate(["_id": "other"], ["$inc": ["value": 1]])
            #expect(missing == nil)

            let created = try await counters.findOneAndUpdate(
                ["_id": "other"], ["$inc": ["value": 1]], projection: ["value": 1, "_id": 0], upsert: true)
            #expect(created == ["value": .int32(1)] || created == ["value": .int64(1)])
        }
    }

    @Test func findOneAndUpdateFollowsSort() async throws {
        try await TestDatabase.withCollection { queue in
            try await queue.insertMany([["_id": "j1", "at": 3], ["_id": "j2", "at": 1], ["_id": "j3", "at": 2]])
            let claimed = try await queue.findOneAndUpdate(
                ["claimed": ["$exists": false]], ["$set": ["claimed": true]], sort: ["at": 1])
            #expect(claimed?["_id"] == "j2")
            #expect(claimed?["claimed"] == true)
        }
    }

    @Test func storedValueOfUnsupportedTypeIsReportedNotDropped() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["_id": "t"])
            try await items.updateOne(["_id": "t"], ["$currentDate": ["stamp": ["$type": "timestamp"]]])
            let error = try await #require(throws: DocumentStoreError.self) {
                try await items.findOne(["_id": "t"])
            }
            guard case .invalidDocument(let reason) = error else {
                Issue.record("expected .invalidDocument, got \(error)")
                return
            }
            #expect(reason.contains("stamp"))
            #expect(try await items.findOne(["_id": "t"], projection: ["stamp": 0]) == ["_id": "t"])
        }
    }

    @Test func dropRemovesTheCollectionAndToleratesAMissingOne() async throws {
        try await TestDatabase.withCollection { items in
            try await items.insertOne(["_id": 1])
            try await items.drop()
            #expect(try await items.count() == 0)
            try await items.drop()
        }
    }
}
