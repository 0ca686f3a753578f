import Foundation

/// The gateway's internal `POST /send`, called by session-ms to push messages to a
/// user's sockets. Not behind nginx. Messages travel as protobuf `ChatMessage` bytes
/// (base64 in JSON), and the gateway answers per message.
public enum GatewayDeliveryAPI {
    public static let path = "/send"

    public struct Request: Codable, Sendable {
        public var user: String
        public var messages: [Data]

        public init(user: String, messages: [Data]) {
            self.user = user
            self.messages = messages
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
