import Broker
import ChatProtocol
import Contracts
import Logging
import Pipeline
import ServiceKit

/// Takes each consumed record: logins update the device registry at once, messages and
/// acks go to the queue in arrival order, everything else is counted and resolved.
struct PushIntake: Sendable {
    let registry: DeviceRegistry
    let queue: PushQueue
    let deadLetters: DeadLetters
    let topics: TopicOptions
    let metrics: PushMetrics
    let logger: Logger
    let resolve: @Sendable (ConsumedMessage) -> Void

    func handle(_ record: ConsumedMessage) async {
        switch PushEvent(record, newLoginTopic: topics.newLoginTopic) {
        case .login(let login):
            await register(login, record: record)
        case .push(let recipient, let message):
            queue.submit(.message(recipient: recipient, message, record))
        case .acknowledged(let recipient, let id):
            queue.submit(.acknowledged(recipient: recipient, id: id))
            resolve(record)
        case .skip(let reason):
            metrics.skipped(reason)
            resolve(record)
        case .invalid(let reason):
            metrics.invalid.increment()
            await reject(record, reason: reason)
        }
    }

    private func register(_ login: LoginEvent, record: ConsumedMessage) async {
        let logger = logger.tracking(TrackId.of(record))
        // Shutting down with the database away: the login stays unresolved and replays.
        guard await retrying("registering a device", logger: logger, { try await registry.register(login) }) else { return }
        metrics.logins.increment()
        logger.info(
            login.notificationToken.isEmpty ? "device without token forgotten" : "device registered",
            metadata: ["user": .string(login.user), "device": .string(login.deviceId)])
        resolve(record)
    }

    /// A bad login is parked in `dead-letter`, since nobody else reads `new-login`. A bad
    /// `offline-message` record is only logged: persistence reads the same record and
    /// parks it already, and one copy there is enough.
    private func reject(_ record: ConsumedMessage, reason: String) async {
        if record.topic == topics.newLoginTopic {
            await deadLetters.park(record, reason: reason)
            return
        }
        logger.tracking(TrackId.of(record)).warning(
            "skipping an invalid record", metadata: ["reason": .string(reason), "source": "\(record.source)"])
        resolve(record)
    }
}
