import Foundation

/// The rules of changing a page, apart from storing it.
public struct PageEditError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request is wrong (empty name, too many agents, the last admin): 400.
        case invalid
        /// An agent who is not an admin: 403.
        case forbidden
        /// No such page, or the caller is no agent of it where only agents may know: 404.
        case notFound
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var statusCode: Int {
        switch kind {
        case .invalid: 400
        case .forbidden: 403
        case .notFound: 404
        }
    }

    public var description: String { reason }
}

extension Page {
    public static let maxNameLength = 100
    public static let maxAgents = 200
    /// What anyone but an agent is told about a page they may not change.
    public static let notFound = PageEditError(.notFound, "no such page")

    public static func create(name: String, creator: String, now: Int64) throws(PageEditError) -> Page {
        Page(id: PageIds.make(), name: try validName(name), creator: creator, createdAt: now)
    }

    /// Admins only: a moderator is refused (403), anyone else is not told the page exists.
    public func requireAdmin(_ user: String) throws(PageEditError) {
        switch role(of: user) {
        case .admin: return
        case .moderator: throw PageEditError(.forbidden, "only the page's admins may do this")
        case nil: throw Self.notFound
        }
    }

    /// Makes `usernames` agents with `role`; an agent with the other role changes role.
    public func adding(_ usernames: [String], as role: Role, by actor: String) throws(PageEditError) -> Page {
        try requireAdmin(actor)
        let names = usernames.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 128 && !PageIds.isReserved($0) }) else {
            throw PageEditError(.invalid, "usernames must be a non-empty list of usernames")
        }
        var next = self
        for name in names {
            next.admins.removeAll { $0 == name }
            next.moderators.removeAll { $0 == name }
            switch role {
            case .admin: next.admins.append(name)
            case .moderator: next.moderators.append(name)
            }
        }
        guard !next.admins.isEmpty else { throw PageEditError(.invalid, "a page keeps at least one admin") }
        next.agents = next.admins + next.moderators
        guard next.agents.count <= Self.maxAgents else { throw PageEditError(.invalid, "a page has at most \(Self.maxAgents) agents") }
        return next
    }

    /// Takes `username`'s role away; the last admin stays.
    public func removing(_ username: String, by actor: String) throws(PageEditError) -> Page {
        try requireAdmin(actor)
        guard isAgent(username) else { throw PageEditError(.notFound, "\(username) is no agent of this page") }
        var next = self
        next.admins.removeAll { $0 == username }
        next.moderators.removeAll { $0 == username }
        guard !next.admins.isEmpty else { throw PageEditError(.invalid, "the last admin cannot be removed") }
        next.agents = next.admins + next.moderators
        return next
    }

    public func updating(name: String?, hideAgents: Bool?, by actor: String) throws(PageEditError) -> Page {
        try requireAdmin(actor)
        var next = self
        if let name { next.name = try Self.validName(name) }
        if let hideAgents { next.hideAgents = hideAgents }
        return next
    }

    static func validName(_ name: String) throws(PageEditError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxNameLength else {
            throw PageEditError(.invalid, "name must be 1 to \(maxNameLength) characters")
        }
        return trimmed
    }
}
