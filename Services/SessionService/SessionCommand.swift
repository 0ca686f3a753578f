import ArgumentParser
import DocumentStore
import Pipeline
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
        try await environment.run { resources in
            let store = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let directory = ConnectionDirectory(store: store, database: common.mongoDatabase, logger: environment.logger)
            try await directory.createIndexes()
            try await directory.loadAll()
            let http = resources.keep(GatewayClient.makeHTTPClient(), "gateway client") { try await $0.shutdown() }
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics,
                consuming: [
                    topics.userConnectionStateTopic, topics.sendMessageTopic, topics.systemMessageTopic, topics.clientAckTopic,
                ],
                // Acks resolve deliveries in flight: back-pressure must never stop reading them.
                alwaysFetched: [topics.clientAckTopic], lingerMilliseconds: 0)
            let coordinator = DeliveryCoordinator(
                resolve: pipeline.resolve, producer: pipeline.producer, deadLetters: pipeline.deadLetters,
                directory: directory,
                gateways: GatewayDispatcher(
                    client: GatewayClient(http: http, timeout: .milliseconds(session.gatewayTimeoutMs)),
                    maxBatch: session.gatewayBatchSize, maxCallsInFlight: session.gatewayCallsInFlight),
                options: session, topics: topics, logger: environment.logger)
            return pipeline.services(application: environment.makeApplication(environment.makeRouter().buildResponder())) {
                await coordinator.handle($0)
            }
        }
    }
}
