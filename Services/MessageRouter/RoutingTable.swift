import ChatProtocol
import ServiceKit

/// Where message-router forwards a message of `new-message` (Docs/LIFECYCLE.md, step 3).
struct RoutingTable: Sendable {
    /// The outputs, named after their default topics; also the `target` label of the metrics.
    enum Target: String, Sendable, CaseIterable {
        case sendMessage = "send-message"
        case systemMessage = "system-message"
        case newGroupMessage = "new-group-message"
    }

    struct Route: Sendable, Equatable {
        let target: Target
        let topic: String
        /// The destination: the recipient of a one-to-one message, the group id of a group one,
        /// the page id of a message to a page.
        let key: String
    }

    /// Why a message cannot be routed; the text becomes the dead-letter reason.
    struct Rejection: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    let sendMessageTopic: String
    let systemMessageTopic: String
    let newGroupMessageTopic: String

    init(topics: TopicOptions) {
        sendMessageTopic = topics.sendMessageTopic
        systemMessageTopic = topics.systemMessageTopic
        newGroupMessageTopic = topics.newGroupMessageTopic
    }

    /// The route of a message the gateway accepted. Downstream stores dedupe on
    /// (recipient, source, id) and deliver by destination, so a message missing any of them
    /// cannot be handled anywhere and is refused here.
    func route(_ message: ChatMessage) throws(Rejection) -> Route {
        guard !message.id.isEmpty else { throw Rejection(description: "missing message id") }
        guard !message.source.isEmpty else { throw Rejection(description: "missing source") }
        guard !message.destination.isEmpty else { throw Rejection(description: "missing destination") }
        switch message.channel {
        case .individual where message.type == .notification:
            return Route(target: .systemMessage, topic: systemMessageTopic, key: message.destination)
        case .individual:
            return Route(target: .sendMessage, topic: sendMessageTopic, key: message.destination)
        case .group, .page:
            // group-router checks membership (a page's agents) and makes the copies.
            return Route(target: .newGroupMessage, topic: newGroupMessageTopic, key: message.destination)
        case .unknown, .other:
            throw Rejection(description: "channel \(message.channel.rawValue) is not routable")
        }
    }
}
