import Foundation

/// A record handed out by `BrokerConsumer`. It must be passed back to
/// `BrokerConsumer.resolve(_:)` once handled, or its offset is never committed.
public struct ConsumedMessage: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: String?
    public let value: Data
    public let headers: [BrokerHeader]
    /// Milliseconds since the epoch, as stamped by the producer or broker.
    public let timestamp: Int64?

    /// A record as the consumer would hand it out (for code that handles records, in tests).
    public init(
        topic: String, partition: Int32, offset: Int64, key: String?, value: Data, headers: [BrokerHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}
