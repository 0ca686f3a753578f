import ArgumentParser
import Broker

/// The topic names of FLOWS.md, each overridable by a flag (env fallback in the help).
public struct TopicOptions: ParsableArguments, Sendable {
    @Option(help: "Client messages accepted by a gateway (env NEW_MESSAGE_TOPIC).")
    public var newMessageTopic: String = EnvironmentDefault.string("NEW_MESSAGE_TOPIC", "new-message")

    @Option(help: "One-to-one deliveries, keyed by recipient (env SEND_MESSAGE_TOPIC).")
    public var sendMessageTopic: String = EnvironmentDefault.string("SEND_MESSAGE_TOPIC", "send-message")

    @Option(help: "Notifications, keyed by recipient (env SYSTEM_MESSAGE_TOPIC).")
    public var systemMessageTopic: String = EnvironmentDefault.string("SYSTEM_MESSAGE_TOPIC", "system-message")

    @Option(help: "Group messages, keyed by group id (env NEW_GROUP_MESSAGE_TOPIC).")
    public var newGroupMessageTopic: String = EnvironmentDefault.string("NEW_GROUP_MESSAGE_TOPIC", "new-group-message")

    @Option(help: "Messages for offline recipients and late acks (env OFFLINE_MESSAGE_TOPIC).")
    public var offlineMessageTopic: String = EnvironmentDefault.string("OFFLINE_MESSAGE_TOPIC", "offline-message")

    @Option(help: "Client acks, keyed by the acking user (env CLIENT_ACK_TOPIC).")
    public var clientAckTopic: String = EnvironmentDefault.string("CLIENT_ACK_TOPIC", "client-ack")

    @Option(help: "Connect/disconnect events, keyed by user (env USER_CONNECTION_STATE_TOPIC).")
    public var userConnectionStateTopic: String = EnvironmentDefault.string("USER_CONNECTION_STATE_TOPIC", "user-connection-state")

    @Option(help: "Logins with device tokens (env NEW_LOGIN_TOPIC).")
    public var newLoginTopic: String = EnvironmentDefault.string("NEW_LOGIN_TOPIC", "new-login")

    @Option(help: "Undecodable or invalid events with the reason (env DEAD_LETTER_TOPIC).")
    public var deadLetterTopic: String = EnvironmentDefault.string("DEAD_LETTER_TOPIC", "dead-letter")

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
