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
