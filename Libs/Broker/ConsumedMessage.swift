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
}
