/// Every failure the broker client reports.
public struct BrokerError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// A property librdkafka refused, or a handle it could not create.
        case configuration
        /// The broker did not accept a produced message (after librdkafka's own retries).
        case produce
        /// An admin request (e.g. create topics) failed.
        case admin
        /// The client was closed before the operation finished.
        case closed
        /// Anything else librdkafka reported.
        case client
    }

    public let kind: Kind
    public let message: String
    /// librdkafka's numeric error code, when there is one.
    public let code: Int32?

    init(_ kind: Kind, _ message: String, code: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String {
        if let code { return "broker \(kind): \(message) (code \(code))" }
        return "broker \(kind): \(message)"
    }
}
