import Foundation

/// A page: one address users write to (e.g. "Acme support"), answered by its agents, the
/// admins and moderators. Stored in `pages` by group-ms.
public struct Page: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        case admin
        case moderator
    }

    public let id: String
    public var name: String
    /// Admins change the page and its agents; there is always at least one.
    public var admins: [String]
    public var moderators: [String]
    /// Users then see answers as from the page alone, without the agent's name.
    public var hideAgents: Bool
    /// Every agent, for "the pages a user answers for" as one indexed query.
    public var agents: [String]
    /// Bumped by every change; a write succeeds only on the version it read.
    public var version: Int64
    public let createdBy: String
    /// Milliseconds since the epoch.
    public let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case name, admins, moderators, hideAgents, agents, version, createdBy, createdAt
    }

    public init(id: String, name: String, creator: String, createdAt: Int64) {
        self.id = id
        self.name = name
        admins = [creator]
        moderators = []
        hideAgents = false
        agents = [creator]
        version = 1
        createdBy = creator
        self.createdAt = createdAt
    }

    public func role(of user: String) -> Role? {
        if admins.contains(user) { return .admin }
        if moderators.contains(user) { return .moderator }
        return nil
    }

    public func isAgent(_ user: String) -> Bool { role(of: user) != nil }
}

/// Page ids: `~p` and 32 hex digits. Usernames never hold `~` (profile-ms allows letters,
/// digits and `+-_.@:`) and group-ms refuses group ids that start with it, so a page id is
/// never taken for a user or a group in a route, the history or an inbox.
public enum PageIds {
    public static let prefix = "~p"

    public static func make() -> String {
        prefix + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    public static func isPageId(_ id: String) -> Bool {
        id.hasPrefix(prefix)
    }

    /// Whether an id could be a page's (group ids may not start like one).
    public static func isReserved(_ id: String) -> Bool {
        id.hasPrefix("~")
    }
}
