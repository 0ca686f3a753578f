import ArgumentParser
import AsyncHTTPClient
import DocumentStore
import Groups
import Pages
import Pipeline
import ServiceKit

/// group-router: copies each group message to every member but the sender.
@main
struct GroupRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group-router",
        abstract: "Vartalap group and page message router: new-group-message to one send-message copy per member or agent.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var router: GroupRouterOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: ["groupMsUrl": router.groupMsUrl])
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let http = resources.keep(HTTPClient(eventLoopGroupProvider: .singleton), "group-ms client") {
                try await $0.shutdown()
            }
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics, consuming: [topics.newGroupMessageTopic])
            let fanOut = GroupFanOut(
                cache: MemberCache(
                    store: GroupStore(collection: database.collection(GroupStore.collectionName, in: common.mongoDatabase)),
                    lifetime: .seconds(router.memberCacheSeconds)),
                actions: GroupActionClient(baseURL: router.groupMsUrl, http: http),
                pages: PageStore(collection: database.collection(PageStore.collectionName, in: common.mongoDatabase)),
                producer: pipeline.producer,
                outputs: pipeline.outputs, deadLetters: pipeline.deadLetters, topics: topics, logger: environment.logger,
                resolve: pipeline.resolve)
            return pipeline.services(application: environment.makeApplication(environment.makeRouter().buildResponder())) {
                await fanOut.handle($0)
            }
        }
    }
}
