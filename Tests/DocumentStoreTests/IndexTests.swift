import DocumentStore
import Testing

@Suite struct IndexTests {
    @Test func uniqueIndexRejectsSecondInsertWithDuplicateKeyError() async throws {
        try await TestDatabase.withCollection { users in
            try await users.createIndex(["email": 1], unique: true)
            try await users.insertOne(["_id": "u1", "email": "a@example.com"])
            let error = try await #require(throws: DocumentStoreError.self) {
                try await users.insertOne(["_id": "u2", "email": "a@example.com"])
            }
            #expect(error.isDuplicateKey, "got \(error)")
            #expect(try await users.count() == 1)
        }
    }

    @Test func duplicateIdIsADuplicateKey() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertOne(StoredMessage.sample(1))
            let error = try await #require(throws: DocumentStoreError.self) {
                try await messages.insertOne(StoredMessage.sample(1))
            }
            #expect(error.isDuplicateKey, "got \(error)")
        }
    }

    @Test func orderedBulkInsertStopsAtDuplicate() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertOne(StoredMessage.sample(2))
            let error = try await #require(throws: DocumentStoreError.self) {
                try await messages.insertMany([1, 2, 3].map { StoredMessage.sample($0) })
            }
            #expect(error.isDuplicateKey, "got \(error)")
            #expect(try await messages.find(sort: ["sequence": 1]).compactMap { $0["sequence"]?.intValue } == [1, 2])
        }
    }

    @Test func unorderedBulkInsertKeepsGoingPastDuplicate() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertOne(StoredMessage.sample(2))
            let error = try await #require(throws: DocumentStoreError.self) {
                try await messages.insertMany([1, 2, 3].map { StoredMessage.sample($0) }, ordered: false)
            }
            #expect(error.isDuplicateKey, "got \(error)")
            #expect(try await messages.count() == 3)
        }
    }

    @Test func bulkInsertReturnsCount() async throws {
        try await TestDatabase.withCollection { messages in
            let inserted = try await messages.insertMany((1...250).map { StoredMessage.sample($0) })
            #expect(inserted == 250)
            #expect(try await messages.insertMany([StoredMessage]()) == 0)
            #expect(try await messages.count() == 250)
        }
    }

    @Test func compoundUniqueIndexKeepsKeyOrderAndChecksThePair() async throws {
        try await TestDatabase.withCollection { receipts in
            let name = try await receipts.createIndex(["message": 1, "user": -1], unique: true)
            #expect(name == "message_1_user_-1")
            let index = try #require(try await receipts.listIndexes().first { $0.name == name })
            #expect(index.keys.keys == ["message", "user"])
            #expect(index.keys["user"]?.intValue == -1)
            #expect(index.isUnique)

            try await receipts.insertOne(["message": "m1", "user": "a"])
            try await receipts.insertOne(["message": "m1", "user": "b"])
            try await receipts.insertOne(["message": "m2", "user": "a"])
            let error = try await #require(throws: DocumentStoreError.self) {
                try await receipts.insertOne(["message": "m1", "user": "a"])
            }
            #expect(error.isDuplicateKey, "got \(error)")
        }
    }

    @Test func ttlIndexIsCreatedWithItsExpiry() async throws {
        try await TestDatabase.withCollection { pending in
            try await pending.insertOne(["_id": "p1", "createdAt": .date(millisecondsSince1970: 1_700_000_000_000)])
            let name = try await pending.createIndex(["createdAt": 1], expireAfterSeconds: 3600, name: "pending_ttl")
            let indexes = try await pending.listIndexes()
            let ttl = try #require(indexes.first { $0.name == name }, "indexes: \(indexes)")
            #expect(ttl.expireAfterSeconds == 3600)
            #expect(ttl.keys == ["createdAt": .int32(1)] || ttl.keys == ["createdAt": .int64(1)])
            #expect(!ttl.isUnique)
            let idIndex = try #require(indexes.first { $0.name == "_id_" })
            #expect(idIndex.expireAfterSeconds == nil)
        }
    }

    @Test func creatingTheSameIndexTwiceIsHarmless() async throws {
        try await TestDatabase.withCollection { items in
            try await items.createIndex(["k": 1], unique: true)
            try await items.createIndex(["k": 1], unique: true)
            #expect(try await items.listIndexes().filter { $0.name == "k_1" }.count == 1)
        }
    }

    @Test func droppingAnIndexKeepsTheOthersAndAMissingOneIsNoError() async throws {
        try await TestDatabase.withCollection { items in
            try await items.createIndex(["a": 1], name: "old")
            try await items.createIndex(["b": 1], name: "new")
            try await items.dropIndex(named: "old")
            #expect(try await items.listIndexes().map(\.name).sorted() == ["_id_", "new"])
            try await items.dropIndex(named: "old")
            try await items.drop()
            try await items.dropIndex(named: "new")
        }
    }
}
