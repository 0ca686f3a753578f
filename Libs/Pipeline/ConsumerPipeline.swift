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
    private let readiness: Readiness
    private let name: String
    /// Nil for a second pipeline that shares another's producer (`init(sharingProducerOf:)`):
    /// the other's services run and close it.
    private let producerService: ProducerService?

    /// - Parameters:
    ///   - consuming: the topics this service's consumer group (`--kafka-consumer-group`) reads.
    ///   - alwaysFetched: topics back-pressure never pauses (ConsumerOptions).
    ///   - lingerMilliseconds: the producer's batching delay; 0 where every record is awaited
    ///     one by one on a latency path.
    public init(
        environment: ServiceEnvironment, topics: TopicOptions, consuming: [String], alwaysFetched: Set<String> = [],
        lingerMilliseconds: Int = 1
    ) throws {
        let common = environment.options
        let producer = try BrokerProducer(
            configuration: common.brokerConfiguration, logger: environment.logger, lingerMilliseconds: lingerMilliseconds)
        try self.init(
            environment: environment, topics: topics, producer: producer,
            producerService: ProducerService(producer, topics: topics.allTopicNames), consuming: consuming,
            alwaysFetched: alwaysFetched, name: "consumer", consumerGroup: common.consumerGroup)
    }

    /// A second consumer group in the same process (e.g. persistence's history), producing
    /// through `other`'s producer. `name` is the consumer's in `/ready` and its metrics,
    /// distinct from the first's. `busyFetchPace` and `idleProbeInterval`, when given,
    /// replace the service's `--kafka-busy-fetch-pace-ms` and `--kafka-idle-probe-interval-ms`
    /// for this consumer alone: a consumer nobody waits on can fetch in larger, rarer rounds
    /// and look for new records less often while idle.
    public init(
        sharingProducerOf other: ConsumerPipeline, environment: ServiceEnvironment, topics: TopicOptions,
        consuming: [String], name: String, consumerGroup: String, busyFetchPace: Duration? = nil,
        idleProbeInterval: Duration? = nil
    ) throws {
        try self.init(
            environment: environment, topics: topics, producer: other.producer, producerService: nil,
            consuming: consuming, alwaysFetched: [], name: name, consumerGroup: consumerGroup, busyFetchPace: busyFetchPace,
            idleProbeInterval: idleProbeInterval)
    }

    private init(
        environment: ServiceEnvironment, topics: TopicOptions, producer: BrokerProducer, producerService: ProducerService?,
        consuming: [String], alwaysFetched: Set<String>, name: String, consumerGroup: String, busyFetchPace: Duration? = nil,
        idleProbeInterval: Duration? = nil
    ) throws {
        let common = environment.options
        logger = environment.logger
        self.producer = producer
        self.producerService = producerService
        var options = common.consumerOptions(alwaysFetchedTopics: alwaysFetched)
        if let busyFetchPace { options.busyFetchPace = busyFetchPace }
        if let idleProbeInterval { options.idleProbeInterval = idleProbeInterval }
        consumer = try BrokerConsumer(
            configuration: common.brokerConfiguration, groupId: consumerGroup, topics: consuming, logger: logger,
            options: options)
        outputs = OutputResolver(logger: logger, resolve: consumer.resolve)
        deadLetters = DeadLetters(
            producer: producer, topic: topics.deadLetterTopic, logger: logger, resolve: consumer.resolve)
        readiness = environment.readiness
        self.name = name
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
        let producer: [any Service] = producerService.map { [$0] } ?? []
        return producer + [outputs] + workers + (application.map { [$0] } ?? []) + [consumerService]
    }
}
