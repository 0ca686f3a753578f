import Foundation

/// Pushes one message to one user's sockets on the gateway at a gateway internal URL.
/// `GatewayDispatcher` does it over HTTP; tests give `DeliveryCoordinator` a gateway that
/// answers as they script it.
protocol GatewayPusher: Sendable {
    func send(_ message: Data, to user: String, at gatewayInternalURL: String) async -> PushOutcome
}

extension GatewayDispatcher: GatewayPusher {}
