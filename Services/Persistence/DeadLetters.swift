import Broker
import Logging
import ServiceKit

/// Parks records persistence cannot handle in `dead-letter`, so their partition goes on.
struct DeadLetters: Sendable {
    let producer: BrokerProducer
    let topic: String
    let metrics: PersistenceMetrics

    /// True once the broker holds the record (the caller may then resolve it). On false it
    /// stays unresolved and is consumed again after a restart.
    func park(_ record: ConsumedMessage, reason: String, logger: Logger) async -> Bool {
        do {
            try await producer.sendToDeadLetter(record, reason: reason, topic: topic)
            metrics.deadLettered.increment()
            logger.warning("dead-lettered", metadata: ["reason": "\(reason)", "source": "\(record.topic)/\(record.partition)/\(record.offset)"])
            return true
        } catch {
            logger.error("could not dead-letter a record", metadata: ["reason": "\(error)"])
            return false
        }
    }
}
