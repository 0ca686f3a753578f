import ArgumentParser
import AsyncHTTPClient
import Broker
import DocumentStore
import Logging
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
        let database = try DocumentStore(uri: common.mongoUrl)
        let registry = DeviceRegistry(collection: database.collection(DeviceRegistry.collectionName, in: common.mongoDatabase))
        // An unreachable FCM should cost a retry within seconds, not a long connect wait.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout.connect = .seconds(5)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        // The HTTP client must be shut down on every way out, a failed start included:
        // dropping it unshut is a crash in debug builds.
        do {
            try await registry.createIndexes()
            let provider = try await makeProvider(http: http, logger: logger)
            let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger)
            let consumer = try BrokerConsumer(
                configuration: common.brokerConfiguration, groupId: common.consumerGroup,
                topics: [topics.offlineMessageTopic, topics.newLoginTopic], logger: logger,
                options: common.consumerOptions())
            let metrics = PushMetrics()
            let queue = PushQueue(
                window: .milliseconds(push.pushCollapseWindowMs),
                dispatcher: PushDispatcher(registry: registry, provider: provider, metrics: metrics, logger: logger),
                resolve: consumer.resolve)
            let intake = PushIntake(
                registry: registry, queue: queue, producer: producer, topics: topics, metrics: metrics, logger: logger,
                resolve: consumer.resolve)
            let consumerService = ConsumerService(name: "consumer", consumer: consumer, readiness: environment.readiness) {
                await intake.handle($0)
            }
            let application = environment.makeApplication(environment.makeRouter().buildResponder())
            // Stopped in reverse order: the consumer drains while the queue still pushes.
            try await environment.run([ProducerService(producer, topics: topics.allTopicNames), queue, application, consumerService])
        } catch {
            logger.critical("push-notification stopped", metadata: ["reason": "\(error)"])
            try? await http.shutdown()
            await database.close()
            throw error
        }
        try await http.shutdown()
        await database.close()
    }

    private func makeProvider(http: HTTPClient, logger: Logger) async throws -> any PushProvider {
        switch push.provider {
        case .log:
            return LogPushProvider(logger: logger)
        case .fcm:
            let setUp = try push.fcmSetUp()
            let tokens = await GoogleAccessTokens(key: setUp.key, tokenURL: setUp.tokenURL, http: http)
            return FCMProvider(configuration: setUp.configuration, tokens: tokens, http: http, logger: logger)
        }
    }
}
