import Broker
import Contracts
import Logging
import ServiceKit
import ServiceLifecycle

/// What every consumer service is built from: consume -> handle -> produce -> resolve.
/// A service supplies the handler; this supplies the consumer of its topics, the producer,
/// "resolve once what was produced is stored" (`outputs`), "dead-letter and resolve"
/// (`deadLetters`), and the order in which it all starts and stops.
public struct ConsumerPipeline: Sendable {
    public let consumer: BrokerConsumer
    public let producer: BrokerProducer
    public let outputs: OutputResolver
    public let deadLetters: DeadLetters
    public let logger: Logger
    private let producedTopics: [String]
    private let readiness: Readiness
    private let name: String
    /// False for a second pipeline that shares another's producer (`init(sharingProducerOf:)`).
    private let ownsProducer: Bool

    /// - Parameters:
    ///   - consuming: the topics this service's consumer group reads.
    ///   - alwaysFetched: topics back-pressure never pauses (ConsumerOptions).
    ///   - lingerMilliseconds: the producer's batching delay; 0 where every record is awaited
    ///     one by one on a latency path.
    ///   - name: the consumer's name in `/ready` and its metrics; a second pipeline in one
    ///     process (another consumer group) needs its own.
    ///   - consumerGroup: the group to join, by default the service's (`--kafka-consumer-group`).
    public init(
        environment: ServiceEnvironment, topics: TopicOptions, consuming: [String], alwaysFetched: Set<String> = [],
        lingerMilliseconds: Int = 1, name: String = "consumer", consumerGroup: String? = nil
    ) throws {
        let common = environment.options
        logger = environment.logger
        producer = try BrokerProducer(
            configuration: common.brokerConfiguration, logger: logger, lingerMilliseconds: lingerMilliseconds)
        consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: consumerGroup ?? common.consumerGroup, topics: consuming,
            logger: logger,
            options: common.consumerOptions(alwaysFetchedTopics: alwaysFetched))
        outputs = OutputResolver(logger: logger, resolve: consumer.resolve)
        deadLetters = DeadLetters(
            producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: consumer.resolve)
        producedTopics = topics.allTopicNames
        readiness = environment.readiness
        self.name = name
        ownsProducer = true
    }

    /// A second consumer group in the same process (e.g. persistence's history), producing
    /// through `other`'s producer, which `other`'s services run and close.
    public init(
        sharingProducerOf other: ConsumerPipeline, environment: ServiceEnvironment, topics: TopicOptions,
        consuming: [String], name: String, consumerGroup: String
    ) throws {
        let common = environment.options
        logger = environment.logger
        producer = other.producer
        consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: consumerGroup, topics: consuming, logger: logger,
            options: common.consumerOptions())
        outputs = OutputResolver(logger: logger, resolve: consumer.resolve)
        deadLetters = DeadLetters(
            producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: consumer.resolve)
        producedTopics = []
        readiness = environment.readiness
        self.name = name
        ownsProducer = false
    }

    /// Marks a consumed record handled, so its offset may be committed.
    public var resolve: @Sendable (ConsumedMessage) -> Void { consumer.resolve }

    /// The services to run, in start order: the producer (unless shared), the output
    /// resolver, `workers`, `application`, then the consumer handing every record to
    /// `handle`. Groups stop in reverse order, so on SIGTERM the consumer drains first (its
    /// in-flight records resolve and commit) while the workers, the resolver and the
    /// producer still run.
    public func services(
        workers: [any Service] = [], application: (any Service)?, handle: @escaping @Sendable (ConsumedMessage) async -> Void
    ) -> [any Service] {
        let consumerService = ConsumerService(name: name, consumer: consumer, readiness: readiness, handle: handle)
        let producerService: [any Service] = ownsProducer ? [ProducerService(producer, topics: producedTopics)] : []
        return producerService + [outputs] + workers + (application.map { [$0] } ?? []) + [consumerService]
    }
}
