import Contracts
import HTTPTypes
import Hummingbird
import PublicAPI
import ServiceKit

/// `POST /internal/group-actions`: group changes that clients sent as messages, handed
/// over by group-router with the sender as `actor`. On the service port only, which nginx
/// never routes to: the actor is trusted because only group-router can call this.
struct GroupActionRoute: Sendable {
    static let path = "/internal/group-actions"
    /// Carries the message's track id, so the change logs under it.
    static let trackIdHeader = HTTPField.Name(TrackId.headerName)!

    let operations: GroupOperations

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.post(RouterPath(Self.path)) { request, context in
            let body = try await RequestJSON.decode(GroupActionBody.self, from: request, limit: GroupRoutes.maxBodyBytes)
            return try await apply(body, trackId: request.headers[Self.trackIdHeader] ?? TrackId.make())
        }
    }

    private func apply(_ body: GroupActionBody, trackId: String) async throws -> Response {
        switch body.action {
        case .create:
            let group = try await operations.create(
                id: body.groupId, name: body.name ?? "", members: body.members ?? [], profilePic: body.profilePic,
                by: body.actor, trackId: trackId)
            return APIResponse.json(["status": true, "groupId": group.id])
        case .add:
            _ = try await operations.add(body.members ?? [], to: body.groupId, by: body.actor, trackId: trackId)
        case .remove:
            guard let member = body.member else { throw APIError(.badRequest, "member is required") }
            return APIResponse.json(["status": try await operations.remove(member, from: body.groupId, by: body.actor, trackId: trackId)])
        case .leave:
            return APIResponse.json(["status": try await operations.remove(body.actor, from: body.groupId, by: body.actor, trackId: trackId)])
        case .update:
            _ = try await operations.rename(body.groupId, to: body.name, profilePic: body.profilePic, by: body.actor, trackId: trackId)
        }
        return APIResponse.json(["status": true])
    }
}
