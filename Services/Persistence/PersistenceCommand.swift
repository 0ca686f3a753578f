import ArgumentParser
import Auth
import DocumentStore
import Pipeline
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
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let store = OfflineStore(
                collection: database.collection(OfflineStore.collectionName, in: common.mongoDatabase),
                retention: .seconds(persistence.offlineRetentionDays * 86_400))
            try await store.createIndexes()
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics,
                consuming: [topics.offlineMessageTopic, topics.userConnectionStateTopic])
            let workers = PersistenceWorkers(
                store: store, producer: pipeline.producer, topics: topics, deadLetters: pipeline.deadLetters,
                logger: environment.logger, resolve: pipeline.resolve)

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            MessagesRoute(store: store).add(
                to: router,
                verifier: AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: environment.logger))
            return pipeline.services(
                workers: workers.services, application: environment.makeApplication(router.buildResponder())
            ) { workers.handle($0) }
        }
    }
}
