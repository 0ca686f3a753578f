import ArgumentParser
import Broker
import Contracts

/// The topic names (`Topic`, Docs/LIFECYCLE.md), each overridable by a flag (env fallback in the help).
public struct TopicOptions: ParsableArguments, Sendable {
    @Option(help: Topic.newMessage.help)
    public var newMessageTopic = Topic.newMessage.configuredName

    @Option(help: Topic.sendMessage.help)
    public var sendMessageTopic = Topic.sendMessage.configuredName

    @Option(help: Topic.systemMessage.help)
    public var systemMessageTopic = Topic.systemMessage.configuredName

    @Option(help: Topic.newGroupMessage.help)
    public var newGroupMessageTopic = Topic.newGroupMessage.configuredName

    @Option(help: Topic.offlineMessage.help)
    public var offlineMessageTopic = Topic.offlineMessage.configuredName

    @Option(help: Topic.clientAck.help)
    public var clientAckTopic = Topic.clientAck.configuredName

    @Option(help: Topic.userConnectionState.help)
    public var userConnectionStateTopic = Topic.userConnectionState.configuredName

    @Option(help: Topic.newLogin.help)
    public var newLoginTopic = Topic.newLogin.configuredName

    @Option(help: Topic.deadLetter.help)
    public var deadLetterTopic = Topic.deadLetter.configuredName

    @Option(help: "Partitions per topic when topics are created (env TOPIC_PARTITIONS).")
    public var topicPartitions: Int = EnvironmentDefault.int("TOPIC_PARTITIONS", 8)

    @Option(help: "Replicas per partition when topics are created (env TOPIC_REPLICATION_FACTOR).")
    public var topicReplicationFactor: Int = EnvironmentDefault.int("TOPIC_REPLICATION_FACTOR", 1)

    public init() {}

    public mutating func validate() throws {
        guard topicPartitions >= 1 else { throw ValidationError("--topic-partitions must be at least 1") }
        guard topicReplicationFactor >= 1 else { throw ValidationError("--topic-replication-factor must be at least 1") }
        let names = allTopicNames
        guard Set(names).count == names.count else { throw ValidationError("topic names must be distinct") }
    }

    public var allTopicNames: [String] {
        [
            newMessageTopic, sendMessageTopic, systemMessageTopic, newGroupMessageTopic, offlineMessageTopic,
            clientAckTopic, userConnectionStateTopic, newLoginTopic, deadLetterTopic,
        ]
    }

    public var topicSpecs: [TopicSpec] {
        allTopicNames.map { TopicSpec(name: $0, partitions: topicPartitions, replicationFactor: topicReplicationFactor) }
    }
}

extension Topic {
    /// The name from the topic's environment variable, or the default.
    fileprivate var configuredName: String { EnvironmentDefault.string(environmentVariable, defaultName) }

    fileprivate var help: ArgumentHelp { "\(carries) (env \(environmentVariable))." }
}
