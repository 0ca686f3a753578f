import ChatProtocol
import Foundation

/// A group change sent as a message by an offline-capable client (the V2 flow): a GROUP
/// NOTIFICATION whose `action` names the change, to the group id, with the details in the
/// body (`create`: `{name, members, profilePic?}`, `add`: `{members}`, `remove`: `{member}`,
/// `leave`: `{}`, `update`: `{name?, profilePic?}`).
enum GroupAction {
    static let actions: Set<String> = ["create", "add", "remove", "leave", "update"]

    /// The JSON request for group-ms, or nil when the message is an ordinary group message.
    static func request(from message: ChatMessage) -> Data? {
        guard message.channel == .group, message.type == .notification,
            let action = message.meta["action"], actions.contains(action)
        else { return nil }
        var request = (try? JSONSerialization.jsonObject(with: message.content)) as? [String: Any] ?? [:]
        request = request.filter { ["name", "members", "member", "profilePic"].contains($0.key) }
        request["actor"] = message.source
        request["groupId"] = message.destination
        request["action"] = action
        return try? JSONSerialization.data(withJSONObject: request)
    }
}
