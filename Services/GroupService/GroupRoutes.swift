import Auth
import Contracts
import Hummingbird
import PublicAPI
import ServiceKit

/// The public `/groups` routes (PROTOCOL.md) plus rename and leave, each also under the
/// older `/group/...` path shipped apps call. Every route needs the caller's access key.
struct GroupRoutes: Sendable {
    static let maxBodyBytes = 64 * 1024

    let operations: GroupOperations
    let verifier: AccessKeyVerifier

    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>) {
        let routes = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        for path in ["/groups", "/group/get"] {
            routes.get(RouterPath(path)) { _, context in try await list(for: Self.user(context)) }
        }
        for path in ["/groups", "/group/create"] {
            routes.post(RouterPath(path)) { request, context in try await create(request, by: Self.user(context)) }
        }
        for path in ["/groups/:id", "/group/:id"] {
            routes.get(RouterPath(path)) { _, context in try await show(Self.id(context), for: Self.user(context)) }
        }
        for path in ["/groups/:id/members", "/group/:id/add"] {
            routes.post(RouterPath(path)) { request, context in
                try await addMembers(request, to: Self.id(context), by: Self.user(context))
            }
        }
        routes.delete("/groups/:id/members") { request, context in
            try await removeMember(request, from: Self.id(context), by: Self.user(context))
        }
        routes.post("/group/:id/remove") { request, context in
            try await removeMember(request, from: Self.id(context), by: Self.user(context))
        }
        routes.put("/groups/:id") { request, context in try await rename(request, Self.id(context), by: Self.user(context)) }
        routes.post("/groups/:id/leave") { _, context in
            let user = try Self.user(context)
            let left = try await operations.remove(user, from: Self.id(context), by: user, trackId: TrackId.make())
            return APIResponse.json(["status": left])
        }
    }

    private func list(for user: String) async throws -> Response {
        let groups = try await operations.groups(of: user)
        return APIResponse.json(array: groups.map(GroupJSON.object))
    }

    private func create(_ request: Request, by user: String) async throws -> Response {
        let body = try await RequestJSON.decode(CreateGroupBody.self, from: request, limit: Self.maxBodyBytes)
        let group = try await operations.create(
            id: nil, name: body.name, members: body.members, profilePic: body.profilePic, by: user, trackId: TrackId.make())
        return APIResponse.json(["groupId": group.id])
    }

    private func show(_ id: String, for user: String) async throws -> Response {
        APIResponse.json(GroupJSON.object(try await operations.group(id, for: user)))
    }

    private func addMembers(_ request: Request, to id: String, by user: String) async throws -> Response {
        let body = try await RequestJSON.decode(AddMembersBody.self, from: request, limit: Self.maxBodyBytes)
        _ = try await operations.add(body.members, to: id, by: user, trackId: TrackId.make())
        return APIResponse.json(["status": true])
    }

    private func removeMember(_ request: Request, from id: String, by user: String) async throws -> Response {
        let body = try await RequestJSON.decode(RemoveMemberBody.self, from: request, limit: Self.maxBodyBytes)
        let removed = try await operations.remove(body.member, from: id, by: user, trackId: TrackId.make())
        return APIResponse.json(["status": removed])
    }

    private func rename(_ request: Request, _ id: String, by user: String) async throws -> Response {
        let body = try await RequestJSON.decode(RenameGroupBody.self, from: request, limit: Self.maxBodyBytes)
        let group = try await operations.rename(id, to: body.name, profilePic: body.profilePic, by: user, trackId: TrackId.make())
        return APIResponse.json(GroupJSON.object(group))
    }

    private static func user(_ context: some AuthenticatedRequestContext) throws -> String {
        guard let username = context.username else { throw APIError(.unauthorized, "missing credentials") }
        return username
    }

    private static func id(_ context: some RequestContext) throws -> String {
        try context.parameters.require("id")
    }
}
