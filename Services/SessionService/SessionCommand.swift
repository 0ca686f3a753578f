import ArgumentParser
import AsyncHTTPClient
import Broker
import DocumentStore
import ServiceKit

/// session-ms: knows who is connected where, pushes messages to gateways, waits for
/// client acks, retries, and hands undeliverable messages to offline storage.
@main
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-ms",
        abstract: "Vartalap session service: online delivery with acks, retries and offline hand-off.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var session: SessionOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common)
        let logger = environment.logger
        let store = try DocumentStore(uri: common.mongoUrl)
        let directory = ConnectionDirectory(store: store, database: common.mongoDatabase)
        try await directory.createIndexes()
        let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger, lingerMilliseconds: 0)
        let consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: common.consumerGroup,
            topics: [
                topics.userConnectionStateTopic, topics.sendMessageTopic, topics.systemMessageTopic, topics.clientAckTopic,
            ],
            logger: logger,
            // Acks resolve deliveries in flight: back-pressure must never stop reading them.
            options: common.consumerOptions(alwaysFetchedTopics: [topics.clientAckTopic]))
        let http = GatewayClient.makeHTTPClient()
        let coordinator = DeliveryCoordinator(
            consumer: consumer, producer: producer, directory: directory,
            gateways: GatewayDispatcher(
                client: GatewayClient(http: http, timeout: .milliseconds(session.gatewayTimeoutMs)),
                maxBatch: session.gatewayBatchSize, maxCallsInFlight: session.gatewayCallsInFlight),
            options: session, topics: topics, logger: logger)
        let consumerService = ConsumerService(name: "consumer", consumer: consumer, readiness: environment.readiness) { record in
            await coordinator.handle(record)
        }
        let application = environment.makeApplication(environment.makeRouter().buildResponder())
        // The HTTP client must be shut down on every path, a failed start included.
        do {
            try await environment.run([ProducerService(producer, topics: topics.allTopicNames), consumerService, application])
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        await store.close()
    }
}
