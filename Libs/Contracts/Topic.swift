import Foundation

/// The topics (Docs/LIFECYCLE.md): what each carries, how it is keyed, and its default
/// name. A deployment may rename any of them (`TopicOptions`: a flag or an environment
/// variable per topic), so services pass names around, not these cases.
public enum Topic: String, CaseIterable, Sendable {
    case newMessage = "new-message"
    case sendMessage = "send-message"
    case systemMessage = "system-message"
    case newGroupMessage = "new-group-message"
    case offlineMessage = "offline-message"
    case clientAck = "client-ack"
    case userConnectionState = "user-connection-state"
    case newLogin = "new-login"
    case deadLetter = "dead-letter"

    /// The name a deployment gets unless it sets `environmentVariable`.
    public var defaultName: String { rawValue }

    /// E.g. `NEW_MESSAGE_TOPIC`.
    public var environmentVariable: String {
        rawValue.uppercased().replacingOccurrences(of: "-", with: "_") + "_TOPIC"
    }

    public var carries: String {
        switch self {
        case .newMessage: "Client messages accepted by a gateway"
        case .sendMessage: "One-to-one deliveries, keyed by recipient"
        case .systemMessage: "Notifications, keyed by recipient"
        case .newGroupMessage: "Group messages, keyed by group id"
        case .offlineMessage: "Messages for offline recipients and late acks"
        case .clientAck: "Client acks, keyed by the acking user"
        case .userConnectionState: "Connect/disconnect events, keyed by user"
        case .newLogin: "Logins with device tokens"
        case .deadLetter: "Undecodable or invalid events with the reason"
        }
    }
}
