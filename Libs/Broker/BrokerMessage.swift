import Foundation

/// One Kafka record header. Values are bytes; services use UTF-8 strings.
public struct BrokerHeader: Sendable, Equatable {
    public var name: String
    public var value: Data

    public init(name: String, value: Data) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Data(string.utf8))
    }

    public var stringValue: String? { String(data: value, encoding: .utf8) }
}

extension Array where Element == BrokerHeader {
    /// The first header with that name, as a string.
    public func value(for name: String) -> String? {
        first { $0.name == name }?.stringValue
    }
}

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

/// Where the broker stored a produced record.
public struct DeliveryReport: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
}

/// A topic and partition, e.g. to ask for a committed offset.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}
