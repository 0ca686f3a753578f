import Broker
import Logging
import Pipeline
import ServiceKit
import ServiceLifecycle

/// The two workers behind persistence's consumer, which records go to which, and the
/// batches that gather records for each while the previous batch is handled.
struct PersistenceWorkers: Sendable {
    let writer: OfflineWriter
    let redelivery: Redelivery
    /// Lifecycle services: on a graceful stop each finishes the batches handed over.
    let writerIntake: Batches<ConsumedMessage, Void>
    let redeliveryIntake: Batches<ConsumedMessage, Void>
    private let offlineMessageTopic: String

    init(
        store: OfflineStore, producer: BrokerProducer, topics: TopicOptions, deadLetters: DeadLetters, logger: Logger,
        connectedUsers: ConnectedUsers = ConnectedUsers(), resolve: @escaping @Sendable (ConsumedMessage) -> Void
    ) {
        let context = WorkerContext(
            store: store, publisher: StoredCopyPublisher(producer: producer, sendMessageTopic: topics.sendMessageTopic),
            connectedUsers: connectedUsers, redeliveries: RedeliveryGate(), deadLetters: deadLetters, metrics: PersistenceMetrics(),
            logger: logger,
            resolve: resolve)
        let (writer, redelivery) = (OfflineWriter(context), Redelivery(context))
        (self.writer, self.redelivery) = (writer, redelivery)
        writerIntake = Batches(maxBatch: OfflineWriter.maxBatch) { await writer.write($0) }
        redeliveryIntake = Batches(maxBatch: Redelivery.maxBatch) { await redelivery.handle($0) }
        offlineMessageTopic = topics.offlineMessageTopic
    }

    var services: [any Service] { [writerIntake, redeliveryIntake] }

    /// Hands a record to its worker without waiting: `offline-message` to the writer,
    /// `user-connection-state` to redelivery.
    func handle(_ record: ConsumedMessage) {
        if record.topic == offlineMessageTopic {
            writerIntake.enqueue(record)
        } else {
            redeliveryIntake.enqueue(record)
        }
    }

    /// Returns once everything handed over so far is handled.
    func drained() async {
        await writerIntake.drained()
        await redeliveryIntake.drained()
    }
}
