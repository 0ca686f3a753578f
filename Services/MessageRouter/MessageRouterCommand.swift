import ArgumentParser
import Broker
import ServiceKit

/// message-router: forwards each accepted client message to the topic that delivers it.
@main
struct MessageRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message-router",
        abstract: "Vartalap message router: new-message to send-message, system-message or new-group-message.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common)
        let logger = environment.logger
        let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger)
        let consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: common.consumerGroup, topics: [topics.newMessageTopic],
            logger: logger, options: common.consumerOptions())
        let metrics = RouterMetrics()
        let resolver = DeliveryResolver(metrics: metrics, logger: logger, resolve: consumer.resolve)
        let router = RecordRouter(
            table: RoutingTable(topics: topics), producer: producer, resolver: resolver,
            deadLetterTopic: topics.deadLetterTopic, metrics: metrics, logger: logger, resolve: consumer.resolve)
        let consumerService = ConsumerService(name: "consumer", consumer: consumer, readiness: environment.readiness) {
            await router.handle($0)
        }
        let application = environment.makeApplication(environment.makeRouter().buildResponder())
        // Stopped in reverse order: the consumer drains while the resolver and producer still run.
        try await environment.run([ProducerService(producer, topics: topics.allTopicNames), resolver, application, consumerService])
    }
}
