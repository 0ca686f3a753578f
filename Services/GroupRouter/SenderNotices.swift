import Broker
import ChatProtocol
import Logging
import Pipeline
import ServiceKit

/// Tells a sender why its message went nowhere (not a member, no such page...), as an error
/// notification on `system-message`; the consumed record is resolved once that is stored.
struct SenderNotices: Sendable {
    let producer: BrokerProducer
    let outputs: OutputResolver
    let topic: String

    func tell(_ message: ChatMessage, code: Int, reason: String, record: ConsumedMessage, trackId: String, log: Logger) async {
        let notice = ChatMessage.errorFrame(id: message.id, to: message.source, code: code, reason: reason)
        do {
            let receipt = try await producer.enqueue(notice, topic: topic, key: message.source, trackId: trackId)
            outputs.track(record, outputs: [receipt], trackId: trackId)
        } catch {
            // Unresolved: replayed after a restart.
            log.error("could not enqueue an error notification", metadata: ["reason": "\(error)"])
        }
    }
}
