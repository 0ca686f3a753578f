import Broker
import ChatProtocol
import Contracts
import Logging
import ServiceKit

/// Publishes CONNECTED/DISCONNECTED on `user-connection-state`, keyed by user, so
/// session-ms knows where to deliver and persistence knows when to redeliver.
struct ConnectionEvents: Sendable {
    let producer: BrokerProducer
    let topic: String
    let gatewayId: String
    let gatewayInternalURL: String
    let logger: Logger

    func publish(_ state: ConnectionState.State, _ connection: ClientConnection) async {
        let event = ConnectionState(
            user: connection.user, state: state, gateway: gatewayId, gatewayInternalURL: gatewayInternalURL,
            connectionId: connection.id, timestamp: Clock.milliseconds())
        let trackId = TrackId.make()
        do {
            try await producer.enqueue(event, topic: topic, trackId: trackId).stored()
        } catch {
            logger.tracking(trackId).error(
                "could not publish a connection event",
                metadata: ["user": "\(connection.user)", "state": "\(state.rawValue)", "reason": "\(error)"])
        }
    }
}
