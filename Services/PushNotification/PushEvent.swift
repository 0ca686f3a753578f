import Broker
import ChatProtocol
import Contracts
import Foundation
import ServiceKit

/// What one consumed record asks push-notification to do.
enum PushEvent: Equatable {
    /// A device logged in (`new-login`): remember its token, or forget the device when it sent none.
    case login(LoginEvent)
    /// A message went to offline storage: its recipient's devices get a push.
    case push(recipient: String, ChatMessage)
    /// The recipient acked a message late: a push still waiting for it is no longer needed.
    case acknowledged(recipient: String, id: String)
    /// Nothing to push, for this reason (counted in the metrics).
    case skip(SkipReason)
    /// Undecodable or incomplete.
    case invalid(String)

    enum SkipReason: String {
        /// Receipts, typing and group events: the original server never pushed them.
        case notification
        /// Meant for live connections only.
        case ephemeral
        /// A stored copy persistence redelivered came back undelivered: its recipient got a
        /// push when it first went to storage, and the copy goes round again on every
        /// reconnect without an ack; pushing it each time would repeat an old message.
        case storedCopy = "stored-copy"
        /// Server frames (acks, errors) are not messages from anyone.
        case notAMessage = "not-a-message"
    }

    init(_ record: ConsumedMessage, newLoginTopic: String) {
        self.init(topic: record.topic, key: record.key, value: record.value, headers: record.headers, newLoginTopic: newLoginTopic)
    }

    init(topic: String, key: String?, value: Data, headers: [BrokerHeader], newLoginTopic: String) {
        if topic == newLoginTopic {
            self = Self.login(value)
        } else {
            self = Self.offline(key: key, value: value, headers: headers)
        }
    }

    private static func login(_ value: Data) -> PushEvent {
        guard var login = try? LoginEvent(protobuf: value) else { return .invalid("undecodable login") }
        guard !login.user.isEmpty else { return .invalid("login without user") }
        // The defaults profile-ms applies, for records from older producers.
        if login.deviceId.isEmpty { login.deviceId = "default" }
        if login.messageVersion <= 0 { login.messageVersion = ChatMessage.currentVersion }
        return .login(login)
    }

    /// Decoded as persistence decodes `offline-message` (Docs/RECORDS.md): the key is the
    /// recipient, a CLIENT_ACK from the recipient is an ack event, anything else a message.
    private static func offline(key: String?, value: Data, headers: [BrokerHeader]) -> PushEvent {
        guard let message = try? ChatMessage(protobuf: value) else { return .invalid("undecodable message") }
        guard !message.id.isEmpty else { return .invalid("message without id") }
        if message.type == .clientAck {
            guard !message.source.isEmpty else { return .invalid("client ack without source") }
            return .acknowledged(recipient: message.source, id: message.id)
        }
        guard let recipient = key, !recipient.isEmpty else { return .invalid("missing recipient key") }
        switch message.type {
        case .notification: return .skip(.notification)
        case .serverAck, .clientAck: return .skip(.notAMessage)
        case .message, .custom: break
        }
        if message.ephemeral { return .skip(.ephemeral) }
        if headers.value(for: RecordHeaders.storedCopy) == "true" { return .skip(.storedCopy) }
        return .push(recipient: recipient, message)
    }
}
