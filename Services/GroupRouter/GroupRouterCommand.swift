import ArgumentParser
import AsyncHTTPClient
import Broker
import DocumentStore
import Groups
import ServiceKit

/// group-router: copies each group message to every member but the sender.
@main
struct GroupRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group-router",
        abstract: "Vartalap group message router: new-group-message to one send-message copy per member.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var router: GroupRouterOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: ["groupMsUrl": router.groupMsUrl])
        let logger = environment.logger
        let database = try DocumentStore(uri: common.mongoUrl)
        let cache = MemberCache(
            store: GroupStore(collection: database.collection(GroupStore.collectionName, in: common.mongoDatabase)),
            lifetime: .seconds(router.memberCacheSeconds))
        let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger)
        let consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: common.consumerGroup, topics: [topics.newGroupMessageTopic],
            logger: logger, options: common.consumerOptions())
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let resolver = FanOutResolver(logger: logger, resolve: consumer.resolve)
        let fanOut = GroupFanOut(
            cache: cache, actions: GroupActionClient(baseURL: router.groupMsUrl, http: http), producer: producer,
            resolver: resolver, topics: topics, logger: logger, resolve: consumer.resolve)
        let consumerService = ConsumerService(name: "consumer", consumer: consumer, readiness: environment.readiness) {
            await fanOut.handle($0)
        }
        let application = environment.makeApplication(environment.makeRouter().buildResponder())
        // Stopped in reverse order: the consumer drains while the resolver and producer still run.
        do {
            try await environment.run([ProducerService(producer, topics: topics.allTopicNames), resolver, application, consumerService])
        } catch {
            try? await http.shutdown()
            await database.close()
            throw error
        }
        try await http.shutdown()
        await database.close()
    }
}
