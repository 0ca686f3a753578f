import ChatProtocol
import Contracts
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceKit

/// The internal `POST /send` (never behind nginx): session-ms hands over messages for
/// users on this gateway; each is written to every socket its user holds here, and the
/// answer says per message whether any socket took it.
struct InternalSendRoutes: Sendable {
    let registry: ConnectionRegistry
    let acks: AwaitedAcks
    let drain: GatewayDrain
    let logger: Logger

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.post(RouterPath(stringLiteral: GatewayDeliveryAPI.path)) { request, context in
            guard let body = try? await request.decode(as: GatewayDeliveryAPI.Request.self, context: context) else {
                throw HTTPError(.badRequest, message: "expected {\"deliveries\": [{\"user\", \"message\"}]}")
            }
            let results = await deliver(body.deliveries)
            return try JSONEncoder().encode(GatewayDeliveryAPI.Response(results: results), from: request, context: context)
        }
    }

    /// Starts every write before waiting for any, so a large batch costs one pass over the
    /// sockets rather than one round trip to each socket's event loop per message. Writes
    /// to one socket keep request order.
    func deliver(_ deliveries: [GatewayDeliveryAPI.Delivery]) async -> [GatewayDeliveryAPI.Outcome] {
        // Stopping: what is not written yet goes to offline storage, not to sockets that
        // are about to close.
        if drain.isDraining { return deliveries.map { _ in .noConnection } }
        var connectionsByUser: [String: [ClientConnection]] = [:]
        var started: [(message: ChatMessage, user: String, writes: [EventLoopFuture<Void>])?] = []
        started.reserveCapacity(deliveries.count)
        for delivery in deliveries {
            guard let message = try? ChatMessage(protobuf: delivery.message) else {
                started.append(nil)
                continue
            }
            let connections = connectionsByUser[delivery.user] ?? registry.connections(of: delivery.user)
            connectionsByUser[delivery.user] = connections
            started.append((message, delivery.user, connections.compactMap { $0.startDelivery(message) }))
        }
        var results: [GatewayDeliveryAPI.Outcome] = []
        results.reserveCapacity(deliveries.count)
        for delivery in started {
            guard let delivery else {
                results.append(.error)
                continue
            }
            var written = false
            for write in delivery.writes where (try? await write.get()) != nil { written = true }
            if written { acks.written(delivery.message.id, to: delivery.user) }
            results.append(written ? .written : .noConnection)
        }
        return results
    }
}
