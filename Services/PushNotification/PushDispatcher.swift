import ChatProtocol
import Logging
import ServiceKit

/// Sends one user's gathered messages to each of the user's devices, and forgets the
/// devices whose tokens the provider declares dead.
struct PushDispatcher: Sendable {
    let registry: DeviceRegistry
    let provider: any PushProvider
    let metrics: PushMetrics
    let logger: Logger

    /// False when shutdown came first: the messages' records should then stay unresolved
    /// and replay, rather than lose their pushes.
    func deliver(_ messages: [ChatMessage], to user: String) async -> Bool {
        guard !messages.isEmpty else { return true }
        var devices: [DeviceRegistry.Device] = []
        // A push is worth waiting for the database; it never stalls a partition for good,
        // since shutting down ends the wait (the records then replay).
        guard await retrying("reading \(user)'s devices", logger: logger, { devices = try await registry.devices(of: user) }) else {
            return false
        }
        metrics.bursts.increment()
        metrics.messages.increment(by: messages.count)
        guard !devices.isEmpty else {
            metrics.withoutDevices.increment()
            logger.debug("no device to push to", metadata: ["user": .string(user)])
            return true
        }
        await withTaskGroup(of: Void.self) { group in
            for device in devices {
                group.addTask { await push(messages, to: device) }
            }
        }
        return true
    }

    private func push(_ messages: [ChatMessage], to device: DeviceRegistry.Device) async {
        let push = Push(
            user: device.user, device: device.device, token: device.token,
            data: PushPayload.data(for: messages, messageVersion: device.messageVersion))
        let metadata: Logger.Metadata = [
            "user": .string(device.user), "device": .string(device.device), "token": .string(push.tokenHint),
            "ids": .array(messages.map { .string($0.id) }),
        ]
        switch await provider.send(push) {
        case .sent:
            metrics.sent.increment()
            logger.debug("pushed", metadata: metadata)
        case .unregistered:
            metrics.unregistered.increment()
            logger.info("token unregistered, device forgotten", metadata: metadata)
            _ = await retrying("forgetting a dead token", logger: logger) { try await registry.remove(device) }
        case .failed(let reason):
            metrics.failed.increment()
            logger.warning("push failed", metadata: metadata.merging(["reason": .string(reason)]) { _, new in new })
        }
    }
}
