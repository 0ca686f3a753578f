import ChatProtocol
import Foundation

/// What a group change tells the members (PROTOCOL.md, "Group events"): a NOTIFICATION on
/// channel INDIVIDUAL, destination the group id, source the actor.
public enum GroupEvent: Sendable, Equatable {
    /// Also sent on creation, naming every member, so a new member learns the group.
    case added([GroupMember], groupName: String)
    case removed([String])
    /// The last admin left and the oldest member became admin.
    case promoted([GroupMember])
    case renamed(name: String, profilePic: String?)

    public var action: String {
        switch self {
        case .added: "add"
        case .removed: "remove"
        case .promoted: "promote"
        case .renamed: "update"
        }
    }

    /// The message one recipient gets. All recipients of one event share its id; stores
    /// dedupe per recipient, so that is one message each.
    public func notification(groupId: String, actor: String, eventId: String, now: UInt64) -> ChatMessage {
        ChatMessage(
            id: eventId, type: .notification, channel: .individual, source: actor, destination: groupId,
            content: body, timestamp: now,
            meta: ["chatId": groupId, "chatid": groupId, "contentType": "notification", "action": action],
            serverId: "group-ms", serverTimestamp: now)
    }

    private var body: Data {
        let object: [String: Any]
        switch self {
        case .added(let members, let groupName):
            object = ["added": members.map { ["username": $0.username, "role": $0.role.rawValue] }, "name": groupName]
        case .removed(let usernames):
            object = ["removed": usernames]
        case .promoted(let members):
            object = ["promoted": members.map { ["username": $0.username, "role": $0.role.rawValue] }]
        case .renamed(let name, let profilePic):
            var fields: [String: Any] = ["name": name]
            if let profilePic { fields["profilePic"] = profilePic }
            object = fields
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

/// The record header group-ms puts on the marker it writes to `new-group-message` after
/// each change: group-router drops its cached member list when it reads it. The marker
/// shares the partition of the group's messages, so every message sent after the change
/// was accepted is routed with the new member list. Clients cannot set record headers.
public enum GroupChangeMarker {
    public static let header = "group-changed"
}
