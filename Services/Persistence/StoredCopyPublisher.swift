import Broker
import Contracts
import ServiceKit

/// Publishes stored messages to `send-message` for another delivery attempt, marked as
/// stored copies so their acks come back to persistence and delete them, and with the
/// time the recipient connected (see `RecordHeaders.recipientConnectedAt`).
struct StoredCopyPublisher: Sendable {
    let producer: BrokerProducer
    let sendMessageTopic: String

    /// Enqueues `messages` in order; the caller awaits the returned receipts.
    func enqueue(_ messages: [StoredMessage], recipientConnectedAt: (String) -> UInt64?) async throws -> [ProduceReceipt] {
        var receipts: [ProduceReceipt] = []
        receipts.reserveCapacity(messages.count)
        for stored in messages {
            var headers = [TrackId.header(stored.trackId), BrokerHeader(name: RecordHeaders.storedCopy, string: "true")]
            if let connectedAt = recipientConnectedAt(stored.recipient) {
                headers.append(BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: String(connectedAt)))
            }
            receipts.append(
                try await producer.enqueue(
                    topic: sendMessageTopic, key: stored.recipient, value: stored.message.protobufData(), headers: headers))
        }
        return receipts
    }

    func publish(_ messages: [StoredMessage], recipientConnectedAt: (String) -> UInt64?) async throws {
        for receipt in try await enqueue(messages, recipientConnectedAt: recipientConnectedAt) {
            _ = try await receipt.stored()
        }
    }
}
