import ArgumentParser
import Pipeline
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
        try await environment.run { _ in
            let pipeline = try ConsumerPipeline(environment: environment, topics: topics, consuming: [topics.newMessageTopic])
            let router = RecordRouter(
                table: RoutingTable(topics: topics), producer: pipeline.producer, outputs: pipeline.outputs,
                deadLetters: pipeline.deadLetters, metrics: RouterMetrics(), logger: environment.logger)
            return pipeline.services(application: environment.makeApplication(environment.makeRouter().buildResponder())) {
                await router.handle($0)
            }
        }
    }
}
