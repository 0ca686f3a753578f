import Foundation
import Groups
import PublicAPI

/// Every group change, from REST or from a message, goes through here: read, apply the
/// rules, write conditionally on the version read (re-reading when another change came
/// first), then tell the affected members.
struct GroupOperations: Sendable {
    /// Conflicting writes to one group retry this often before giving up with 503.
    static let maxAttempts = 20

    let store: GroupStore
    let events: GroupEventPublisher
    let limits: GroupLimits

    func groups(of user: String) async throws -> [Group] {
        try await store.groups(of: user)
    }

    func group(_ id: String, for user: String) async throws -> Group {
        guard let group = try await store.find(id), group.isMember(user) else { throw Self.apiError(Group.notFound) }
        return group
    }

    /// Creates a group with `id`, or a new one when nil. A client that creates groups by
    /// message picks the id itself and may send the same creation twice: repeating it is
    /// harmless.
    func create(id: String?, name: String, members: [String], profilePic: String?, by creator: String, trackId: String)
        async throws -> Group
    {
        let group = try Self.applying {
            try Group.create(
                id: id ?? UUID().uuidString.lowercased(), name: name, profilePic: profilePic, creator: creator,
                members: members, now: Self.now, limits: limits)
        }
        guard try await store.insert(group) else {
            if let existing = try await store.find(group.id), existing.createdBy == creator { return existing }
            throw APIError(.conflict, "a group with this id exists")
        }
        try await events.publish(
            [.added(group.members, groupName: group.name)], groupId: group.id, actor: creator, recipients: group.memberNames,
            trackId: trackId)
        return group
    }

    /// Adds the users who are not members yet; returns who was added.
    func add(_ members: [String], to id: String, by actor: String, trackId: String) async throws -> [GroupMember] {
        let (after, added) = try await edit(id) { group in
            let (changed, added) = try group.adding(members, by: actor, now: Self.now, limits: limits)
            return (changed, added, !added.isEmpty)
        }
        if let after, !added.isEmpty {
            try await events.publish(
                [.added(added, groupName: after.name)], groupId: id, actor: actor, recipients: after.memberNames,
                trackId: trackId)
        }
        return added
    }

    /// Removes `member` (the actor itself: leaving); false when it was not a member.
    func remove(_ member: String, from id: String, by actor: String, trackId: String) async throws -> Bool {
        let (after, outcome) = try await edit(id) { group in
            let (changed, removed, promoted) = try group.removing(member, by: actor)
            return (changed, (removed, promoted), !removed.isEmpty)
        }
        guard !outcome.0.isEmpty else { return false }
        var changes: [GroupEvent] = [.removed(outcome.0)]
        if !outcome.1.isEmpty { changes.append(.promoted(outcome.1)) }
        try await events.publish(
            changes, groupId: id, actor: actor, recipients: (after?.memberNames ?? []) + outcome.0, trackId: trackId)
        return true
    }

    func rename(_ id: String, to name: String?, profilePic: String?, by actor: String, trackId: String) async throws -> Group {
        let (after, _) = try await edit(id) { group in
            (try group.renaming(to: name, profilePic: profilePic, by: actor, limits: limits), (), true)
        }
        guard let after else { throw Self.apiError(Group.notFound) }
        try await events.publish(
            [.renamed(name: after.name, profilePic: after.profilePic)], groupId: id, actor: actor,
            recipients: after.memberNames, trackId: trackId)
        return after
    }

    /// Applies `change` to the stored group until a write wins. `change` returns the new
    /// group (nil: delete it), a result, and whether anything changed at all.
    private func edit<Result>(
        _ id: String, _ change: (Group) throws -> (Group?, Result, Bool)
    ) async throws -> (Group?, Result) {
        for _ in 0..<Self.maxAttempts {
            guard let current = try await store.find(id) else { throw Self.apiError(Group.notFound) }
            let (next, result, changed) = try Self.applying { try change(current) }
            guard changed else { return (current, result) }
            let written = if let next { try await store.replace(next) } else { try await store.delete(current) }
            if written { return (next, result) }
        }
        throw APIError(.serviceUnavailable, "the group is changing too often, try again")
    }

    /// Runs a rule, turning its refusal into the API's error.
    private static func applying<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GroupEditError {
            throw apiError(error)
        }
    }

    static func apiError(_ error: GroupEditError) -> APIError {
        APIError(.init(code: error.statusCode), error.reason)
    }

    private static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
