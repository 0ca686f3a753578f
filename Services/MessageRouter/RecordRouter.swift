import Broker
import ChatProtocol
import Contracts
import Logging
import Pipeline

/// message-router's handling of one `new-message` record: decode it, pick its route and
/// produce it there, or park it in `dead-letter` with the reason.
///
/// The consumer calls `handle` once per record in consumption order and each call returns
/// as soon as the output is enqueued, so a partition's outputs are enqueued in its order
/// (the idempotent producer keeps that order) while `outputs` waits for the broker's
/// acknowledgements and then resolves.
struct RecordRouter: Sendable {
    let table: RoutingTable
    let producer: BrokerProducer
    let outputs: OutputResolver
    let deadLetters: DeadLetters
    let metrics: RouterMetrics
    let logger: Logger

    func handle(_ record: ConsumedMessage) async {
        let trackId = TrackId.of(record)
        let log = logger.tracking(trackId)
        let message: ChatMessage
        let route: RoutingTable.Route
        do {
            message = try ChatMessage(protobuf: record.value)
            route = try table.route(message)
        } catch {
            await deadLetters.park(record, reason: "\(error)")
            return
        }
        do {
            let receipt = try await producer.enqueue(message, topic: route.topic, key: route.key, trackId: trackId)
            outputs.track(record, outputs: [receipt], trackId: trackId) { [metrics] in metrics.countRouted(route.target) }
            log.debug("routed", metadata: ["id": "\(message.id)", "target": "\(route.target.rawValue)"])
        } catch {
            // Unresolved: replayed after a restart.
            metrics.failed.increment()
            log.error("could not enqueue a routed message", metadata: ["id": "\(message.id)", "reason": "\(error)"])
        }
    }
}
