import Broker
import ChatProtocol
import Logging
import ServiceKit

/// message-router's handling of one `new-message` record: decode it, pick its route and
/// produce it there, or park it in `dead-letter` with the reason.
///
/// The consumer calls `handle` once per record in consumption order and each call returns
/// as soon as the output is enqueued, so a partition's outputs are enqueued in its order
/// (the idempotent producer keeps that order) while the `DeliveryResolver` waits for the
/// broker's acknowledgements.
struct RecordRouter: Sendable {
    let table: RoutingTable
    let producer: BrokerProducer
    let resolver: DeliveryResolver
    let deadLetterTopic: String
    let metrics: RouterMetrics
    let logger: Logger
    let resolve: @Sendable (ConsumedMessage) -> Void

    func handle(_ record: ConsumedMessage) async {
        let trackId = TrackId.of(record)
        let log = logger.tracking(trackId)
        let message: ChatMessage
        let route: RoutingTable.Route
        do {
            message = try ChatMessage(protobuf: record.value)
            route = try table.route(message)
        } catch {
            return await deadLetter(record, reason: "\(error)", log: log)
        }
        do {
            let delivery = try await producer.enqueue(message, topic: route.topic, key: route.key, trackId: trackId)
            resolver.track(.init(record: record, delivery: delivery, target: route.target, trackId: trackId))
            log.debug("routed", metadata: ["id": "\(message.id)", "target": "\(route.target.rawValue)"])
        } catch {
            metrics.failed.increment()
            log.error("could not enqueue a routed message", metadata: ["id": "\(message.id)", "reason": "\(error)"])
        }
    }

    private func deadLetter(_ record: ConsumedMessage, reason: String, log: Logger) async {
        do {
            try await producer.sendToDeadLetter(record, reason: reason, topic: deadLetterTopic)
            metrics.deadLettered.increment()
            resolve(record)
            log.warning("dead-lettered", metadata: ["reason": "\(reason)", "offset": "\(record.offset)"])
        } catch {
            metrics.failed.increment()
            log.error("could not dead-letter a record", metadata: ["reason": "\(error)"])
        }
    }
}
