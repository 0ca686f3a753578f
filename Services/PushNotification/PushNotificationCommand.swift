import ArgumentParser
import AsyncHTTPClient
import DocumentStore
import Pipeline
import ServiceKit

/// push-notification: keeps each user's device tokens from `new-login` and pushes the
/// messages that go to offline storage to every device of their recipient.
@main
struct PushNotificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push-notification",
        abstract: "Vartalap push notifications: device tokens from new-login, pushes for offline-message through FCM.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var push: PushOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: push.summary)
        let logger = environment.logger
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            // An unreachable FCM should cost a retry within seconds, not a long connect wait.
            var httpConfiguration = HTTPClient.Configuration()
            httpConfiguration.timeout.connect = .seconds(5)
            let http = resources.keep(
                HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration), "FCM client"
            ) { try await $0.shutdown() }
            let registry = DeviceRegistry(
                collection: database.collection(DeviceRegistry.collectionName, in: common.mongoDatabase))
            try await registry.createIndexes()
            let provider = try await push.makeProvider(http: http, logger: logger)
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics, consuming: [topics.offlineMessageTopic, topics.newLoginTopic])
            let metrics = PushMetrics()
            let queue = PushQueue(
                window: .milliseconds(push.pushCollapseWindowMs),
                dispatcher: PushDispatcher(registry: registry, provider: provider, metrics: metrics, logger: logger),
                resolve: pipeline.resolve)
            let intake = PushIntake(
                registry: registry, queue: queue, deadLetters: pipeline.deadLetters, topics: topics, metrics: metrics,
                logger: logger, resolve: pipeline.resolve)
            return pipeline.services(
                workers: [queue], application: environment.makeApplication(environment.makeRouter().buildResponder())
            ) { await intake.handle($0) }
        }
    }
}
