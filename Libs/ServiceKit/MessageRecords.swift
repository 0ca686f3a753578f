import Broker
import ChatProtocol
import Foundation

/// How services put protocol values on the broker: protobuf values, keyed as FLOWS.md
/// says, with the track id in a header.
extension BrokerProducer {
    public func enqueue(
        _ message: ChatMessage, topic: String, key: String, trackId: String, headers: [BrokerHeader] = []
    ) async throws -> Delivery {
        try await enqueue(topic: topic, key: key, value: message.protobufData(), headers: [TrackId.header(trackId)] + headers)
    }

    public func enqueue(_ state: ConnectionState, topic: String, trackId: String) async throws -> Delivery {
        try await enqueue(topic: topic, key: state.user, value: state.protobufData(), headers: [TrackId.header(trackId)])
    }

    /// Parks a record that cannot be processed, with the reason, so its partition goes on.
    public func sendToDeadLetter(_ record: ConsumedMessage, reason: String, topic: String) async throws {
        var headers = record.headers.filter { $0.name != "dead-letter-reason" }
        headers.append(BrokerHeader(name: "dead-letter-reason", string: reason))
        headers.append(BrokerHeader(name: "dead-letter-source", string: "\(record.topic)/\(record.partition)/\(record.offset)"))
        try await send(topic: topic, key: record.key, value: record.value, headers: headers)
    }
}

/// Header names with a meaning between services.
public enum RecordHeaders {
    /// Set (to "true") by persistence on messages it redelivers from storage: the ack of
    /// such a message must reach persistence so the stored copy is deleted. session-ms keeps
    /// it on such a message when it hands it back undelivered, so persistence knows the
    /// copy came round once already and does not send it straight out again.
    public static let storedCopy = "stored-copy"
    /// Set (to "true") by session-ms on a message it stores because the recipient's
    /// connections got it but none acked it in time: persistence keeps it for the next
    /// connect instead of sending it straight back out.
    public static let unacknowledged = "unacknowledged"
    /// Set by persistence on a stored copy it sends out because the recipient connected:
    /// the timestamp (epoch ms) of that CONNECTED event. Kafka does not order records
    /// across topics, so session-ms may read the copy before the event that made it; if
    /// it has not yet applied a connection event of the recipient this recent, it waits
    /// for one before it calls the recipient offline.
    public static let recipientConnectedAt = "recipient-connected-at"
}
