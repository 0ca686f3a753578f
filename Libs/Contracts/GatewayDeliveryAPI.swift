import Foundation

/// The gateway's internal `POST /send`, called by session-ms to push messages to users'
/// sockets. Not behind nginx. Messages travel as protobuf `ChatMessage` bytes (base64 in
/// JSON), and the gateway answers per message, in request order.
///
/// One call carries any number of deliveries for any users on that gateway, so a busy
/// session-ms pays one HTTP round trip for many messages. (The older one-user form,
/// `user` and `messages`, is gone: only tests still sent it.)
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
        public var deliveries: [Delivery]

        public init(deliveries: [Delivery]) {
            self.deliveries = deliveries
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
