import ArgumentParser
import Broker
import Logging
import ServiceKit

/// Operator tasks: `vartalap-admin create-topics` creates every topic (Docs/LIFECYCLE.md)
/// with its partition count (auto-created topics would get one partition);
/// `purge-consumed` keeps the local broker's memory down to what consumers still have to
/// read; `archive-history` moves old history to the object store now.
@main
struct VartalapAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vartalap-admin",
        abstract: "Operator tasks for a Vartalap deployment.",
        subcommands: [CreateTopics.self, PurgeConsumed.self, ArchiveHistory.self])
}

struct CreateTopics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-topics",
        abstract: "Create all topics with their partition counts; existing topics are kept.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: ["topics": topics.allTopicNames.joined(separator: ",")])
        let admin = TopicAdmin(configuration: common.brokerConfiguration, logger: environment.logger)
        try await admin.createTopics(topics.topicSpecs)
        for spec in topics.topicSpecs {
            let partitions = try await admin.partitionCount(of: spec.name)
            guard partitions == spec.partitions else {
                throw ValidationError("topic \(spec.name) has \(partitions.map(String.init) ?? "no") partitions, expected \(spec.partitions)")
            }
        }
        environment.logger.info("topics ready", metadata: ["count": "\(topics.topicSpecs.count)"])
    }
}
