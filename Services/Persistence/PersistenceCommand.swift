import ArgumentParser
import Auth
import Broker
import Contracts
import DocumentStore
import Groups
import Pipeline
import ServiceKit
import ServiceLifecycle

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
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let store = OfflineStore(
                collection: database.collection(OfflineStore.collectionName, in: common.mongoDatabase),
                retention: .seconds(persistence.offlineRetentionDays * 86_400))
            try await store.createIndexes()
            let connectedUsers = ConnectedUsers()
            let alreadyConnected = try await connectedUsers.load(
                from: database.collection(ConnectionDirectoryEntry.collectionName, in: common.mongoDatabase))
            environment.logger.info("connections read from the connection directory", metadata: ["count": "\(alreadyConnected)"])
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics,
                consuming: [topics.offlineMessageTopic, topics.userConnectionStateTopic])
            let workers = PersistenceWorkers(
                store: store, producer: pipeline.producer, topics: topics, deadLetters: pipeline.deadLetters,
                logger: environment.logger, connectedUsers: connectedUsers, resolve: pipeline.resolve)

            let history = persistence.keepsHistory
                ? HistoryStore(
                    collection: database.collection(HistoryStore.collectionName, in: common.mongoDatabase),
                    retention: .seconds(persistence.historyRetentionDays * 86_400))
                : nil
            try await history?.createIndexes()

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            let verifier = AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: environment.logger)
            MessagesRoute(store: store).add(to: router, verifier: verifier)
            HistoryRoutes(
                store: history,
                groups: GroupStore(collection: database.collection(GroupStore.collectionName, in: common.mongoDatabase))
            ).add(to: router, verifier: verifier)
            let services = pipeline.services(
                workers: workers.services, application: environment.makeApplication(router.buildResponder())
            ) { workers.handle($0) }
            guard let history else { return services }
            return services + (try historyServices(history, sharingProducerOf: pipeline, environment: environment))
        }
    }

    /// The history's own consumer group on `send-message` (`<group>-history`), so the
    /// delivery path never waits for it, and the batches it writes.
    private func historyServices(
        _ store: HistoryStore, sharingProducerOf pipeline: ConsumerPipeline, environment: ServiceEnvironment
    ) throws -> [any Service] {
        let historyPipeline = try ConsumerPipeline(
            sharingProducerOf: pipeline, environment: environment, topics: topics, consuming: [topics.sendMessageTopic],
            name: "history-consumer", consumerGroup: common.consumerGroup + "-history",
            busyFetchPace: .milliseconds(persistence.historyFetchPaceMs))
        let writer = HistoryWriter(store: store, logger: environment.logger, resolve: historyPipeline.resolve)
        let batches = Batches<ConsumedMessage, Void>(maxBatch: HistoryWriter.maxBatch, handle: { await writer.write($0) })
        return historyPipeline.services(workers: [batches], application: nil) { batches.enqueue($0) }
    }
}
