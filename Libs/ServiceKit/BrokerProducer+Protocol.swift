import Broker
import ChatProtocol
import Contracts
import Foundation

/// How services put protocol values on the broker: protobuf values, keyed as
/// Docs/LIFECYCLE.md says, with the track id in a header.
extension BrokerProducer {
    public func enqueue(
        _ message: ChatMessage, topic: String, key: String, trackId: String, headers: [BrokerHeader] = []
    ) async throws -> ProduceReceipt {
        try await enqueue(topic: topic, key: key, value: message.protobufData(), headers: [TrackId.header(trackId)] + headers)
    }

    /// `enqueueIfRoom` for a chat message: nil when the local queue is full.
    public func enqueueIfRoom(_ message: ChatMessage, topic: String, key: String, trackId: String) throws -> ProduceReceipt? {
        try enqueueIfRoom(topic: topic, key: key, value: message.protobufData(), headers: [TrackId.header(trackId)])
    }

    public func enqueue(_ state: ConnectionState, topic: String, trackId: String) async throws -> ProduceReceipt {
        try await enqueue(topic: topic, key: state.user, value: state.protobufData(), headers: [TrackId.header(trackId)])
    }
}
