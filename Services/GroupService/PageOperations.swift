import Foundation
import Hummingbird
import Pages
import PublicAPI

/// Pages and their agents (PROTOCOL.md "Pages"): the rules are `Page`'s, the store
/// `PageStore`'s; a change is written only on the version it read, so a change made
/// meanwhile is read again, never overwritten. Messages read the page on every send, so a
/// change is in force for the next message.
struct PageOperations: Sendable {
    static let maxAttempts = 5

    let store: PageStore

    func create(name: String, by user: String) async throws -> Page {
        let page = try Self.applying { () throws(PageEditError) in try Page.create(name: name, creator: user, now: Self.now) }
        try await store.insert(page)
        return page
    }

    func page(_ id: String) async throws -> Page {
        guard let page = try await store.find(id) else { throw Self.apiError(Page.notFound) }
        return page
    }

    func addAgents(_ usernames: [String], role: Page.Role, to id: String, by actor: String) async throws -> Page {
        try await edit(id) { page throws(PageEditError) in try page.adding(usernames, as: role, by: actor) }
    }

    func removeAgent(_ username: String, from id: String, by actor: String) async throws -> Page {
        try await edit(id) { page throws(PageEditError) in try page.removing(username, by: actor) }
    }

    func update(_ id: String, name: String?, hideAgents: Bool?, by actor: String) async throws -> Page {
        try await edit(id) { page throws(PageEditError) in try page.updating(name: name, hideAgents: hideAgents, by: actor) }
    }

    private func edit(_ id: String, _ change: (Page) throws(PageEditError) -> Page) async throws -> Page {
        for _ in 0..<Self.maxAttempts {
            let current = try await page(id)
            let next = try Self.applying { () throws(PageEditError) in try change(current) }
            if next == current { return current }
            if try await store.replace(next) {
                var written = next
                written.version += 1
                return written
            }
        }
        throw APIError(.serviceUnavailable, "the page is changing too often, try again")
    }

    private static func applying<T>(_ body: () throws(PageEditError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw apiError(error)
        }
    }

    static func apiError(_ error: PageEditError) -> APIError {
        APIError(.init(code: error.statusCode), error.reason)
    }

    private static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
