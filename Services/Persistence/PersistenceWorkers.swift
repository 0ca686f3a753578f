import Broker
import Logging
import ServiceKit

/// The two workers behind persistence's consumer, and which records go to which.
struct PersistenceWorkers: Sendable {
    let writer: OfflineWriter
    let redelivery: Redelivery
    private let offlineMessageTopic: String

    init(
        store: OfflineStore, producer: BrokerProducer, topics: TopicOptions, logger: Logger,
        resolve: @escaping @Sendable (ConsumedMessage) -> Void
    ) {
        let metrics = PersistenceMetrics()
        let deadLetters = DeadLetters(producer: producer, topic: topics.deadLetterTopic, metrics: metrics)
        let publisher = StoredCopyPublisher(producer: producer, sendMessageTopic: topics.sendMessageTopic)
        let connectedUsers = ConnectedUsers()
        writer = OfflineWriter(
            store: store, publisher: publisher, connectedUsers: connectedUsers, deadLetters: deadLetters,
            metrics: metrics, logger: logger, resolve: resolve)
        redelivery = Redelivery(
            store: store, publisher: publisher, connectedUsers: connectedUsers, deadLetters: deadLetters,
            metrics: metrics, logger: logger, resolve: resolve)
        offlineMessageTopic = topics.offlineMessageTopic
    }

    /// Hands a record to its worker without waiting: `offline-message` to the writer,
    /// `user-connection-state` to redelivery.
    func handle(_ record: ConsumedMessage) {
        if record.topic == offlineMessageTopic {
            writer.submit(record)
        } else {
            redelivery.submit(record)
        }
    }
}
