import ChatProtocol
import Foundation
import Hummingbird
import Logging
import ServiceKit

/// The internal `POST /send` (never behind nginx): session-ms hands over messages for one
/// user; each is written to every socket the user holds here, and the answer says per
/// message whether any socket took it.
struct InternalSendRoutes: Sendable {
    let registry: ConnectionRegistry
    let logger: Logger

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.post(RouterPath(stringLiteral: GatewayDeliveryAPI.path)) { request, context in
            let delivery = try await request.decode(as: GatewayDeliveryAPI.Request.self, context: context)
            let connections = registry.connections(of: delivery.user)
            var results: [GatewayDeliveryAPI.Outcome] = []
            for bytes in delivery.messages {
                guard let message = try? ChatMessage(protobuf: bytes) else {
                    results.append(.error)
                    continue
                }
                guard !connections.isEmpty else {
                    results.append(.noConnection)
                    continue
                }
                var written = false
                for connection in connections {
                    if await connection.deliver(message) { written = true }
                }
                results.append(written ? .written : .noConnection)
            }
            return try JSONEncoder().encode(GatewayDeliveryAPI.Response(results: results), from: request, context: context)
        }
    }
}
