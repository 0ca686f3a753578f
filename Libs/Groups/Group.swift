/// A group chat as group-ms stores it and group-router reads it.
public struct Group: Codable, Sendable, Equatable {
    public let id: String
    public var name: String
    public var profilePic: String?
    /// In joining order: the oldest member first, which is who is promoted when the last
    /// admin leaves.
    public var members: [GroupMember]
    /// The usernames of `members`, kept beside them so "the groups of a user" is one
    /// indexed equality query.
    public var memberNames: [String]
    /// Bumped by every change; a write succeeds only on the version it read, so two
    /// concurrent changes cannot overwrite each other.
    public var version: Int64
    public let createdBy: String
    /// Milliseconds since the epoch.
    public let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case name, profilePic, members, memberNames, version, createdBy, createdAt
    }

    public init(id: String, name: String, profilePic: String?, members: [GroupMember], createdBy: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.profilePic = profilePic
        self.members = members
        self.memberNames = members.map(\.username)
        self.version = 1
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public func member(_ username: String) -> GroupMember? {
        members.first { $0.username == username }
    }

    public func isMember(_ username: String) -> Bool {
        memberNames.contains(username)
    }
}

public struct GroupMember: Codable, Sendable, Equatable {
    public let username: String
    public var role: GroupRole
    /// Milliseconds since the epoch.
    public let joinedAt: Int64

    public init(username: String, role: GroupRole, joinedAt: Int64) {
        self.username = username
        self.role = role
        self.joinedAt = joinedAt
    }
}

/// Admins add and remove others; every member may send, rename and leave.
public enum GroupRole: String, Codable, Sendable {
    case admin
    case user
}
