import ChatProtocol
import Foundation

/// The rules of group changes (issue 5): admins add and remove others, anyone may leave,
/// the last admin leaving promotes the oldest member, adding an existing member changes
/// nothing, and the limits hold. Pure functions of a group, so both the REST routes and
/// the message path apply exactly the same rules.
extension Group {
    public static func create(
        id: String, name: String, profilePic: String?, creator: String, members requested: [String], now: Int64,
        limits: GroupLimits
    ) throws(GroupEditError) -> Group {
        let name = try validName(name, limits: limits)
        guard !id.isEmpty else { throw GroupEditError(.invalid, "a group id must not be empty") }
        // `~` starts page ids (Libs/Pages): a group never looks like a page.
        guard !id.hasPrefix("~") else { throw GroupEditError(.invalid, "a group id must not start with ~") }
        guard requested.count <= limits.maxMembersAtCreation else {
            throw GroupEditError(.invalid, "at most \(limits.maxMembersAtCreation) members at creation")
        }
        let others = try distinctUsernames(requested).filter { $0 != creator }
        guard others.count + 1 <= limits.maxMembers else {
            throw GroupEditError(.invalid, "a group has at most \(limits.maxMembers) members")
        }
        let members =
            [GroupMember(username: creator, role: .admin, joinedAt: now)]
            + others.map { GroupMember(username: $0, role: .user, joinedAt: now) }
        return Group(id: id, name: name, profilePic: profilePic, members: members, createdBy: creator, createdAt: now)
    }

    /// Adds the requested users who are not members yet; returns the new group and who joined.
    public func adding(_ requested: [String], by actor: String, now: Int64, limits: GroupLimits) throws(GroupEditError)
        -> (group: Group, added: [GroupMember])
    {
        try requireAdmin(actor, to: "add members")
        guard !requested.isEmpty else { throw GroupEditError(.invalid, "members must name at least one user") }
        guard requested.count <= limits.maxMembersPerAddition else {
            throw GroupEditError(.invalid, "at most \(limits.maxMembersPerAddition) members per addition")
        }
        let newcomers = try Self.distinctUsernames(requested).filter { !isMember($0) }
        guard members.count + newcomers.count <= limits.maxMembers else {
            throw GroupEditError(.invalid, "a group has at most \(limits.maxMembers) members")
        }
        guard !newcomers.isEmpty else { return (self, []) }
        var group = self
        let added = newcomers.map { GroupMember(username: $0, role: .user, joinedAt: now) }
        group.members += added
        group.memberNames = group.members.map(\.username)
        return (group, added)
    }

    /// Removes `username` (the actor itself: leaving). Returns nil as the group when its
    /// last member left, and who was promoted when the last admin left.
    public func removing(_ username: String, by actor: String) throws(GroupEditError)
        -> (group: Group?, removed: [String], promoted: [GroupMember])
    {
        guard isMember(actor) else { throw Self.notFound }
        if username != actor { try requireAdmin(actor, to: "remove other members") }
        guard isMember(username) else { return (self, [], []) }
        var group = self
        group.members.removeAll { $0.username == username }
        group.memberNames = group.members.map(\.username)
        guard !group.members.isEmpty else { return (nil, [username], []) }
        var promoted: [GroupMember] = []
        if !group.members.contains(where: { $0.role == .admin }) {
            group.members[0].role = .admin
            promoted = [group.members[0]]
        }
        return (group, [username], promoted)
    }

    /// Any member may rename the group or change its picture.
    public func renaming(to name: String?, profilePic: String?, by actor: String, limits: GroupLimits) throws(GroupEditError) -> Group {
        guard isMember(actor) else { throw Self.notFound }
        guard name != nil || profilePic != nil else { throw GroupEditError(.invalid, "name or profilePic is required") }
        var group = self
        if let name { group.name = try Self.validName(name, limits: limits) }
        if let profilePic { group.profilePic = profilePic }
        return group
    }

    /// A non-member is told the group does not exist rather than that it may not see it.
    public static let notFound = GroupEditError(.notFound, "no such group")

    private func requireAdmin(_ actor: String, to action: String) throws(GroupEditError) {
        guard let member = member(actor) else { throw Self.notFound }
        guard member.role == .admin else { throw GroupEditError(.forbidden, "only an admin may \(action)") }
    }

    private static func validName(_ name: String, limits: GroupLimits) throws(GroupEditError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw GroupEditError(.invalid, "name must not be empty") }
        guard trimmed.count <= limits.maxNameLength else {
            throw GroupEditError(.invalid, "name is longer than \(limits.maxNameLength) characters")
        }
        return trimmed
    }

    private static func distinctUsernames(_ usernames: [String]) throws(GroupEditError) -> [String] {
        var seen: Set<String> = []
        var distinct: [String] = []
        for username in usernames {
            guard !username.isEmpty, username != ChatMessage.serverUser else {
                throw GroupEditError(.invalid, "members must be usernames")
            }
            if seen.insert(username).inserted { distinct.append(username) }
        }
        return distinct
    }
}
