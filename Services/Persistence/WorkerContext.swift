import Broker
import Logging
import Pipeline

/// What both persistence workers (`OfflineWriter`, `Redelivery`) work with.
struct WorkerContext: Sendable {
    let store: OfflineStore
    let publisher: StoredCopyPublisher
    /// Shared by the two: the writer sends a message stored for a connected user straight
    /// back out, and redelivery keeps the list.
    let connectedUsers: ConnectedUsers
    /// Orders the two's publishing per user (see `RedeliveryGate`).
    let redeliveries: RedeliveryGate
    let deadLetters: DeadLetters
    let metrics: PersistenceMetrics
    let logger: Logger
    let resolve: @Sendable (ConsumedMessage) -> Void
}
