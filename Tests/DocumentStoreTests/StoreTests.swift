import DocumentStore
import TestSupport
import Testing

@Suite struct StoreTests {
    @Test func pingReachesTheServer() async throws {
        let store = try DocumentStore(uri: try TestStack.mongoURL())
        try await store.ping()
        await store.close()
    }

    @Test func manyConcurrentInsertsAllSucceed() async throws {
        // More tasks than connections: the rest must queue, not fail or deadlock.
        try await TestDatabase.withCollection(maxConnections: 4) { messages in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sequence in 1...200 {
                    group.addTask { try await messages.insertOne(StoredMessage.sample(sequence)) }
                }
                try await group.waitForAll()
            }
            #expect(try await messages.count() == 200)
            let sequences = try await messages.find(sort: ["sequence": 1], as: StoredMessage.self).map(\.sequence)
            #expect(sequences == Array(1...200))
        }
    }

    @Test func concurrentReadsAndWritesOnOneDocument() async throws {
        try await TestDatabase.withCollection { counters in
            try await counters.insertOne(["_id": "c", "n": 0])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await counters.updateOne(["_id": "c"], ["$inc": ["n": 1]]) }
                    group.addTask { _ = try await counters.findOne(["_id": "c"]) }
                }
                try await group.waitForAll()
            }
            #expect(try await counters.findOne(["_id": "c"])?["n"]?.intValue == 100)
        }
    }

    @Test func operationsAfterCloseThrowClosed() async throws {
        let store = try DocumentStore(uri: try TestStack.mongoURL())
        let items = store.collection("items", in: TestStack.uniqueName("dstest"))
        try await items.insertOne(["_id": 1])
        await store.close()
        await store.close()
        await #expect(throws: DocumentStoreError.closed) {
            try await items.count()
        }
    }

    @Test func unreachableServerIsAConnectionError() async throws {
        let store = try DocumentStore(uri: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
        let error = try await #require(throws: DocumentStoreError.self) {
            try await store.ping()
        }
        guard case .connection = error else {
            Issue.record("expected .connection, got \(error)")
            return
        }
        await store.close()
    }

    @Test func malformedURIIsRejected() {
        #expect {
            try DocumentStore(uri: "http://not-mongo")
        } throws: { error in
            guard case .invalidURI = error as? DocumentStoreError else { return false }
            return true
        }
    }
}
