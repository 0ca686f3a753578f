import ArgumentParser
import Auth
import Broker
import DocumentStore
import Hummingbird
import ServiceKit

/// persistence: keeps messages for offline recipients until they ack them, redelivers them
/// when the recipient connects, and lists them on `GET /messages`.
@main
struct PersistenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persistence",
        abstract: "Vartalap persistence: offline message storage, redelivery on connect and GET /messages.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var persistence: PersistenceOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(
            common, extraSummary: ["offlineRetentionDays": "\(persistence.offlineRetentionDays)"])
        let logger = environment.logger
        let database = try DocumentStore(uri: common.mongoUrl)
        let store = OfflineStore(
            collection: database.collection(OfflineStore.collectionName, in: common.mongoDatabase),
            retention: .seconds(persistence.offlineRetentionDays * 86_400))
        try await store.createIndexes()

        let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger)
        let consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: common.consumerGroup,
            topics: [topics.offlineMessageTopic, topics.userConnectionStateTopic], logger: logger,
            options: common.consumerOptions())
        let workers = PersistenceWorkers(
            store: store, producer: producer, topics: topics, logger: logger, resolve: consumer.resolve)
        let consumerService = ConsumerService(name: "consumer", consumer: consumer, readiness: environment.readiness) {
            workers.handle($0)
        }

        let router = environment.makeRouter(context: AuthenticatedContext.self)
        MessagesRoute(store: store).add(
            to: router, verifier: AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: logger))
        let application = environment.makeApplication(router.buildResponder())
        // Stopped in reverse order: the consumer drains while the workers and producer still run.
        try await environment.run([ProducerService(producer, topics: topics.allTopicNames), workers.writer, workers.redelivery, application, consumerService])
        await database.close()
    }
}
