import Auth
import Hummingbird
import Pages
import PublicAPI

/// The public `/pages` routes (PROTOCOL.md "Pages"), every one with the caller's access key.
/// Anyone may read a page's id and name (to open a chat with it); its agents also see who
/// the agents are. Changes are for admins: a moderator gets 403, anyone else 404.
struct PageRoutes: Sendable {
    static let maxBodyBytes = 64 * 1024

    let operations: PageOperations
    let verifier: AccessKeyVerifier

    struct CreateBody: Decodable {
        var name: String
    }

    struct AgentsBody: Decodable {
        var usernames: [String]
        var role: String?
    }

    struct UpdateBody: Decodable {
        var name: String?
        var hideAgents: Bool?
    }

    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>) {
        let routes = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        routes.post("/pages") { request, context in
            let body = try await RequestJSON.decode(CreateBody.self, from: request, limit: Self.maxBodyBytes)
            let user = try Self.user(context)
            return APIResponse.json(Self.object(try await operations.create(name: body.name, by: user), for: user), status: .created)
        }
        routes.get("/pages/:id") { _, context in
            let user = try Self.user(context)
            return APIResponse.json(Self.object(try await operations.page(Self.id(context)), for: user))
        }
        routes.put("/pages/:id") { request, context in
            let body = try await RequestJSON.decode(UpdateBody.self, from: request, limit: Self.maxBodyBytes)
            guard body.name != nil || body.hideAgents != nil else { throw APIError(.badRequest, "name or hideAgents is required") }
            let user = try Self.user(context)
            let page = try await operations.update(Self.id(context), name: body.name, hideAgents: body.hideAgents, by: user)
            return APIResponse.json(Self.object(page, for: user))
        }
        routes.post("/pages/:id/agents") { request, context in
            let body = try await RequestJSON.decode(AgentsBody.self, from: request, limit: Self.maxBodyBytes)
            guard let role = Page.Role(rawValue: body.role ?? Page.Role.moderator.rawValue) else {
                throw APIError(.badRequest, "role must be moderator or admin")
            }
            let user = try Self.user(context)
            let page = try await operations.addAgents(body.usernames, role: role, to: Self.id(context), by: user)
            return APIResponse.json(Self.object(page, for: user))
        }
        routes.delete("/pages/:id/agents/:username") { _, context in
            let user = try Self.user(context)
            let page = try await operations.removeAgent(
                try context.parameters.require("username"), from: Self.id(context), by: user)
            return APIResponse.json(Self.object(page, for: user))
        }
    }

    /// What `user` may see of `page`: its agents only when they are one.
    static func object(_ page: Page, for user: String) -> [String: Any] {
        var object: [String: Any] = ["id": page.id, "name": page.name]
        if page.isAgent(user) {
            object["admins"] = page.admins
            object["moderators"] = page.moderators
            object["hideAgents"] = page.hideAgents
        }
        return object
    }

    private static func user(_ context: some AuthenticatedRequestContext) throws -> String {
        guard let username = context.username else { throw APIError(.unauthorized, "missing credentials") }
        return username
    }

    private static func id(_ context: some RequestContext) throws -> String {
        try context.parameters.require("id")
    }
}
