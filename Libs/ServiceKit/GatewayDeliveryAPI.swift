import Foundation

/// The gateway's internal `POST /send`, called by session-ms to push messages to users'
/// sockets. Not behind nginx. Messages travel as protobuf `ChatMessage` bytes (base64 in
/// JSON), and the gateway answers per message, in request order.
///
/// One call carries any number of deliveries for any users on that gateway, so a busy
/// session-ms pays one HTTP round trip for many messages. The older form (`user` and
/// `messages`, one user per call) is still accepted, so gateways can be upgraded before
/// session-ms.
public enum GatewayDeliveryAPI {
    public static let path = "/send"

    /// One message for one user.
    public struct Delivery: Codable, Sendable, Equatable {
        public var user: String
        public var message: Data

        public init(user: String, message: Data) {
            self.user = user
            self.message = message
        }
    }

    public struct Request: Codable, Sendable {
        public var deliveries: [Delivery]?
        /// The older one-user form.
        public var user: String?
        public var messages: [Data]?

        public init(deliveries: [Delivery]) {
            self.deliveries = deliveries
        }

        public init(user: String, messages: [Data]) {
            self.user = user
            self.messages = messages
        }

        /// Every delivery the request asks for, whichever form it uses; nil when it uses
        /// neither.
        public var allDeliveries: [Delivery]? {
            if let deliveries { return deliveries }
            guard let user, let messages else { return nil }
            return messages.map { Delivery(user: user, message: $0) }
        }
    }

    public enum Outcome: String, Codable, Sendable {
        /// Written to at least one of the user's sockets on that gateway.
        case written
        /// The user has no socket on that gateway (any more).
        case noConnection = "no-connection"
        /// Undecodable message, or every write failed.
        case error
    }

    public struct Response: Codable, Sendable {
        public var results: [Outcome]

        public init(results: [Outcome]) {
            self.results = results
        }
    }
}
