import DocumentStore
import Foundation
import TestSupport

/// A fresh collection for each test on the stack's MongoDB-wire server. The tests need only
/// that server: `secantusd-py --host 127.0.0.1 --port 27999 --storage-path :memory:` with
/// VARTALAP_TEST_MONGO_URL=mongodb://127.0.0.1:27999 runs them without the rest of the stack.
enum TestDatabase {
    /// Runs `body` with a fresh collection in its own database and closes the store afterwards.
    static func withCollection(
        maxConnections: Int = 8, _ body: (DocumentCollection) async throws -> Void
    ) async throws {
        let store = try DocumentStore(uri: try TestStack.mongoURL(), maxConnections: maxConnections)
        let collection = store.collection(TestStack.uniqueName("items"), in: TestStack.uniqueName("dstest"))
        do {
            try await body(collection)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }
}

/// A chat message as a service would store it: `_id` chosen by the writer, time as a `Date`.
struct StoredMessage: Codable, Equatable, Sendable {
    var _id: String
    var conversation: String
    var sender: String
    var text: String
    var sentAt: Date
    var sequence: Int
    var readBy: [String]

    static func sample(_ sequence: Int, conversation: String = "c1") -> StoredMessage {
        StoredMessage(
            _id: "m\(sequence)", conversation: conversation, sender: "u\(sequence % 3)",
            text: "hello \(sequence)", sentAt: Date(timeIntervalSince1970: 1_700_000_000.123 + Double(sequence)),
            sequence: sequence, readBy: [])
    }
}
