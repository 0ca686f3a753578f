import DocumentStore
import Foundation

/// Where the tests find their MongoDB-wire server. The tests fail, rather than skip, without
/// one, so a CI run that forgot to start the server cannot pass.
enum TestDatabase {
    static let urlVariable = "VARTALAP_TEST_MONGO_URL"

    struct MissingURL: Error, CustomStringConvertible {
        var description: String {
            "\(TestDatabase.urlVariable) is not set: the DocumentStore tests need a real MongoDB-wire "
                + "server, e.g. `secantusd-py --host 127.0.0.1 --port 27999 --storage-path :memory:` "
                + "and \(TestDatabase.urlVariable)=mongodb://127.0.0.1:27999"
        }
    }

    static func uri() throws -> String {
        guard let uri = ProcessInfo.processInfo.environment[urlVariable], !uri.isEmpty else {
            throw MissingURL()
        }
        return uri
    }

    /// A name no other test (or earlier run against the same server) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(12).lowercased())"
    }

    /// Runs `body` with a fresh collection in its own database and closes the store afterwards.
    static func withCollection(
        maxConnections: Int = 8, _ body: (DocumentCollection) async throws -> Void
    ) async throws {
        let store = try DocumentStore(uri: try uri(), maxConnections: maxConnections)
        let collection = store.collection(uniqueName("items"), in: uniqueName("dstest"))
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
