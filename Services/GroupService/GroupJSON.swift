import Foundation
import Groups

/// A group as the public API shows it (PROTOCOL.md).
enum GroupJSON {
    static func object(_ group: Group) -> [String: Any] {
        var object: [String: Any] = [
            "groupId": group.id, "name": group.name,
            "members": group.members.map { ["username": $0.username, "role": $0.role.rawValue] },
        ]
        object["profilePic"] = group.profilePic ?? NSNull()
        return object
    }
}
