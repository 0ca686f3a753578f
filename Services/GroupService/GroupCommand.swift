import ArgumentParser
import Auth
import Broker
import DocumentStore
import Groups
import Hummingbird
import Pages
import PublicAPI
import ServiceKit

/// group-ms: groups and their members (every change is told to the members as a group
/// event), and pages and their agents.
@main
struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group-ms",
        abstract: "Vartalap group service: /groups routes, membership rules and group events; /pages and their agents.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var group: GroupOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: ["maxGroupMembers": "\(group.maxGroupMembers)"])
        let logger = environment.logger
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let store = GroupStore(collection: database.collection(GroupStore.collectionName, in: common.mongoDatabase))
            try await store.createIndexes()
            let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger, lingerMilliseconds: 0)
            let operations = GroupOperations(
                store: store,
                events: GroupEventPublisher(
                    producer: producer, systemMessageTopic: topics.systemMessageTopic,
                    newGroupMessageTopic: topics.newGroupMessageTopic),
                limits: group.limits)

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            router.add(middleware: JSONErrorMiddleware())
            GroupRoutes(
                operations: operations, verifier: AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: logger)
            ).add(to: router)
            GroupActionRoute(operations: operations).add(to: router)
            let pages = PageStore(collection: database.collection(PageStore.collectionName, in: common.mongoDatabase))
            try await pages.createIndexes()
            PageRoutes(
                operations: PageOperations(store: pages),
                verifier: AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: logger)
            ).add(to: router)
            let application = environment.makeApplication(router.buildResponder())
            return [ProducerService(producer, topics: topics.allTopicNames), application]
        }
    }
}
