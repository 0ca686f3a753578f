import ChatProtocol
import DocumentStore
import Foundation
import TestSupport

@testable import Persistence

/// A message as session-ms hands it to storage.
func offlineMessage(
    _ id: String, from source: String = "alice", to destination: String = "bob", at serverTimestamp: UInt64 = 1_700_000_000_000,
    type: MessageType = .message, ephemeral: Bool = false
) -> ChatMessage {
    ChatMessage(
        id: id, type: type, channel: .individual, ephemeral: ephemeral, source: source, destination: destination,
        content: Data(#"{"text":"hello \#(id)"}"#.utf8), timestamp: serverTimestamp - 5,
        meta: ["contentType": "text", "chatid": "chat-1"], clientMeta: Data(#"{"createdAt":1700000000000123}"#.utf8),
        serverId: "gw-1", serverTimestamp: serverTimestamp)
}

/// The CLIENT_ACK session-ms puts on `offline-message` when `recipient` acked `id`.
func acknowledgement(of id: String, by recipient: String) -> ChatMessage {
    ChatMessage(id: id, type: .clientAck, channel: .individual, source: recipient, destination: ChatMessage.serverUser)
}

func stored(_ message: ChatMessage, sequence: Int64, for recipient: String? = nil) -> StoredMessage {
    StoredMessage(recipient: recipient ?? message.destination, message: message, sequence: sequence, trackId: "track-\(message.id)")
}

/// An `OfflineStore` in a database of its own on the test server.
struct TestStore {
    let database: DocumentStore
    let databaseName: String
    let store: OfflineStore

    init(retentionDays: Int = 30) async throws {
        database = try DocumentStore(uri: try TestStack.mongoURL())
        databaseName = TestStack.uniqueName("persistence-test")
        store = OfflineStore(
            collection: database.collection(OfflineStore.collectionName, in: databaseName),
            retention: .seconds(retentionDays * 86_400))
        try await store.createIndexes()
    }

    /// Every stored message of `recipient`, in listing order.
    func all(of recipient: String) async throws -> [StoredMessage] {
        try await store.page(of: recipient, after: nil, limit: 100_000).messages
    }
}
