import CRdKafka
import Foundation
import Logging

/// A consumer-group member with at-least-once delivery.
///
/// Records arrive on `messages`; each must be passed to `resolve(_:)` once handled
/// (delivered, stored, or handed on durably). Handlers may run concurrently: the offset
/// committed for a partition never passes an unresolved record, so a crash replays
/// instead of losing.
public final class BrokerConsumer: Sendable {
    public let messages: AsyncStream<ConsumedMessage>
    private let context: ConsumerContext
    private let handle: KafkaHandle

    public init(
        configuration: BrokerConfiguration,
        groupId: String,
        topics: [String],
        logger: Logger,
        options: ConsumerOptions = ConsumerOptions()
    ) throws {
        var properties = configuration.commonProperties
        properties.merge(options.librdkafkaProperties(groupId: groupId)) { _, new in new }
        properties.merge(configuration.extraProperties) { _, new in new }
        let conf = try KafkaConfig.make(properties)

        let (stream, continuation) = AsyncStream<ConsumedMessage>.makeStream()
        let context = ConsumerContext(logger: logger, options: options, output: continuation)
        attach(context, to: conf)
        // Only for a broker that answers empty fetches at once (LocalBrokerAccommodations).
        context.emptyFetchBackoff?.install(on: conf)
        KafkaConfig.routeLogs(conf)
        rd_kafka_conf_set_rebalance_cb(conf) { handle, event, partitions, opaque in
            guard let handle, let opaque else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            (context as? ConsumerContext)?.rebalance(handle, event: event, partitions: partitions)
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            if let json, let opaque {
                let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
                (context as? ConsumerContext)?.received(statistics: UnsafeRawBufferPointer(start: json, count: length))
            }
            return 0  // librdkafka frees the document
        }
        let pointer = try makeKafkaHandle(type: RD_KAFKA_CONSUMER, conf: conf)
        let handle = KafkaHandle(pointer)
        // Serve the whole client (rebalances, errors) from the consumer queue.
        rd_kafka_poll_set_consumer(pointer)

        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let subscribeResult = rd_kafka_subscribe(pointer, list)
        rd_kafka_topic_partition_list_destroy(list)
        guard subscribeResult == RD_KAFKA_RESP_ERR_NO_ERROR else {
            handle.destroy()
            throw BrokerError(.client, "subscribe: \(errorText(subscribeResult))", code: subscribeResult.rawValue)
        }

        self.messages = stream
        self.context = context
        self.handle = handle
        context.start(handle)
    }

    /// Marks a record as handled; its partition's committed offset may now move past it.
    public func resolve(_ message: ConsumedMessage) {
        context.resolve(TopicPartition(topic: message.topic, partition: message.partition), offset: message.offset)
    }

    /// Request counts and idle pacing so far (FetchStatistics).
    public var fetchStatistics: FetchStatistics { context.statistics }

    /// Partitions currently assigned to this member.
    public var assignment: Set<TopicPartition> { context.assignment }

    /// True once the group gave this member its first assignment (possibly empty, when
    /// the group has more members than partitions).
    public var hasJoinedGroup: Bool { context.hasJoinedGroup }

    /// The group's committed offset for a partition, as the broker knows it.
    public func committedOffset(_ partition: TopicPartition, timeout: Duration = .seconds(5)) async throws -> Int64? {
        let handle = self.handle
        return try await BlockingThread.run(name: "broker-committed") {
            let list = rd_kafka_topic_partition_list_new(1)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
            let result = rd_kafka_committed(handle.pointer, list, timeout.timeoutMilliseconds)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
                throw BrokerError(.client, "committed: \(errorText(result))", code: result.rawValue)
            }
            let offset = list.pointee.elems[0].offset
            return offset >= 0 ? offset : nil
        }
    }

    /// Stops fetching, waits up to `drainTimeout` for handed-out records to be resolved,
    /// commits what is resolved and leaves the group. `messages` then finishes.
    public func close(drainTimeout: Duration = .seconds(10)) async {
        await context.stop(drainTimeout: drainTimeout)
    }
}
