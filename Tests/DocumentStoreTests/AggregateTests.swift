import DocumentStore
import Testing

/// Aggregation pipelines against the real server named by VARTALAP_TEST_MONGO_URL.
@Suite struct AggregateTests {
    @Test func matchThenGroupGivesEachMatchingValueOnce() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.createIndex(["conversation": 1])
            let conversations = ["c1", "c1", "c2", "c3", "c3", "c3", "c4"]
            try await messages.insertMany(
                conversations.enumerated().map { StoredMessage.sample($0.offset, conversation: $0.element) })
            let groups = try await messages.aggregate([
                ["$match": ["conversation": ["$in": ["c1", "c3", "c4", "c9"]]]],
                ["$group": ["_id": "$conversation"]],
            ])
            #expect(groups.count == 3, "\(groups)")
            #expect(Set(groups.compactMap { $0["_id"]?.stringValue }) == ["c1", "c3", "c4"])
        }
    }

    @Test func laterStagesShapeTheResult() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertMany((1...9).map { StoredMessage.sample($0, conversation: "c\($0 % 3)") })
            let counts = try await messages.aggregate([
                ["$group": ["_id": "$conversation", "messages": ["$sum": 1], "last": ["$max": "$sequence"]]],
                ["$sort": ["last": -1]],
            ])
            #expect(counts.compactMap { $0["_id"]?.stringValue } == ["c0", "c2", "c1"])
            #expect(counts.compactMap { $0["messages"]?.intValue } == [3, 3, 3])
            #expect(counts.compactMap { $0["last"]?.intValue } == [9, 8, 7])
        }
    }

    /// The first reply holds only part of a large result; the rest comes through the cursor.
    @Test func aResultLargerThanOneBatchIsReadWhole() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertMany((0..<350).map { StoredMessage.sample($0, conversation: "c\($0)") })
            let groups = try await messages.aggregate([["$group": ["_id": "$conversation"]]])
            #expect(Set(groups.compactMap { $0["_id"]?.stringValue }) == Set((0..<350).map { "c\($0)" }))
            #expect(groups.count == 350)
        }
    }

    @Test func aMissingCollectionYieldsNothing() async throws {
        try await TestDatabase.withCollection { never in
            let matched = try await never.aggregate([["$match": ["conversation": "c1"]]])
            #expect(matched.isEmpty)
        }
    }

    @Test func anUnknownStageIsAServerError() async throws {
        try await TestDatabase.withCollection { messages in
            try await messages.insertOne(StoredMessage.sample(1))
            let error = try await #require(throws: DocumentStoreError.self) {
                try await messages.aggregate([["$noSuchStage": [:]]])
            }
            guard case .server = error else {
                Issue.record("expected a server error, got \(error)")
                return
            }
        }
    }
}
