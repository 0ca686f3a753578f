import Broker
import Contracts
import Logging
import Metrics

/// Parks a record that cannot be handled in `dead-letter`, with the reason, so its
/// partition goes on; then resolves it. One log line and one metric for every service.
public struct DeadLetters: Sendable {
    private let producer: BrokerProducer
    private let topic: String
    private let logger: Logger
    private let resolve: @Sendable (ConsumedMessage) -> Void

    public init(
        producer: BrokerProducer, topic: String, logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void
    ) {
        self.producer = producer
        self.topic = topic
        self.logger = logger
        self.resolve = resolve
    }

    /// True once the broker holds the record and it is resolved. On false (the broker
    /// refused it) the record stays unresolved and is consumed again after a restart.
    @discardableResult
    public func park(_ record: ConsumedMessage, reason: String) async -> Bool {
        let source = record.source
        let logger = logger.tracking(TrackId.of(record))
        var headers = record.headers.filter {
            $0.name != RecordHeaders.deadLetterReason && $0.name != RecordHeaders.deadLetterSource
        }
        headers.append(BrokerHeader(name: RecordHeaders.deadLetterReason, string: reason))
        headers.append(BrokerHeader(name: RecordHeaders.deadLetterSource, string: source))
        do {
            try await producer.send(topic: topic, key: record.key, value: record.value, headers: headers)
        } catch {
            logger.error("could not dead-letter a record", metadata: ["source": "\(source)", "reason": "\(error)"])
            return false
        }
        Counter(label: "dead_lettered_total", dimensions: [("topic", record.topic)]).increment()
        logger.warning("dead-lettered", metadata: ["source": "\(source)", "reason": "\(reason)"])
        resolve(record)
        return true
    }
}
