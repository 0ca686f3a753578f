import Broker
import ServiceKit

/// Publishes stored messages to `send-message` for another delivery attempt, marked as
/// stored copies so their acks come back to persistence and delete them, and with the
/// time the recipient connected (see `RecordHeaders.recipientConnectedAt`).
struct StoredCopyPublisher: Sendable {
    let producer: BrokerProducer
    let sendMessageTopic: String

    /// Enqueues `messages` in order; the caller awaits the returned deliveries.
    func enqueue(_ messages: [StoredMessage], recipientConnectedAt: (String) -> UInt64?) async throws -> [Delivery] {
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity(messages.count)
        for stored in messages {
            var headers = [TrackId.header(stored.trackId), BrokerHeader(name: RecordHeaders.storedCopy, string: "true")]
            if let connectedAt = recipientConnectedAt(stored.recipient) {
                headers.append(BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: String(connectedAt)))
            }
            deliveries.append(
                try await producer.enqueue(
                    topic: sendMessageTopic, key: stored.recipient, value: stored.message.protobufData(), headers: headers))
        }
        return deliveries
    }

    func publish(_ messages: [StoredMessage], recipientConnectedAt: (String) -> UInt64?) async throws {
        for delivery in try await enqueue(messages, recipientConnectedAt: recipientConnectedAt) {
            _ = try await delivery.report()
        }
    }
}
