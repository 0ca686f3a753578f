import Auth
import Hummingbird
import PublicAPI

/// The authenticated routes: the caller's profile, contact book sync and logout, each
/// also under the older path shipped apps still call (PROTOCOL.md).
struct ProfileRoutes: Sendable {
    static let maxSyncBodyBytes = 256 * 1024

    let profiles: ProfileStore
    let keys: AccessKeyStore
    let verifier: AccessKeyVerifier
    let maxContacts: Int

    private struct SyncBody: Decodable {
        var users: [String]
    }

    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>) {
        let authenticated = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        for path in ["/profile", "/profile/get"] {
            authenticated.get(RouterPath(path)) { _, context in try await profile(of: Self.user(context)) }
        }
        for path in ["/contactbook/sync", "/profile/user/sync"] {
            authenticated.post(RouterPath(path)) { request, _ in try await sync(request) }
        }
        authenticated.post("/logout") { request, _ in try await logout(request) }
    }

    private func profile(of username: String) async throws -> Response {
        guard let profile = try await profiles.profile(of: username) else { throw APIError(.notFound, "no profile") }
        return APIResponse.json(["username": profile.username, "name": profile.name])
    }

    /// Answers `{"<username>": true}` for each registered, active user among those asked
    /// about; unknown names are left out rather than answered false, as the app expects.
    private func sync(_ request: Request) async throws -> Response {
        let body = try await RequestJSON.decode(SyncBody.self, from: request, limit: Self.maxSyncBodyBytes)
        guard body.users.count <= maxContacts else {
            throw APIError(.badRequest, "at most \(maxContacts) users per sync")
        }
        let found = try await profiles.activeUsers(among: Set(body.users.filter(Usernames.isValid)))
        return APIResponse.json(Dictionary(uniqueKeysWithValues: found.map { ($0, true as Any) }))
    }

    /// Revokes the key the request came with; the user's other devices stay logged in.
    private func logout(_ request: Request) async throws -> Response {
        guard let credentials = CredentialExtractor.credentials(from: request.headers) else {
            throw APIError(.unauthorized, "missing credentials")
        }
        try await keys.revoke(credentials)
        verifier.forget(credentials)
        return APIResponse.json(["status": true])
    }

    private static func user(_ context: some AuthenticatedRequestContext) throws -> String {
        guard let username = context.username else { throw APIError(.unauthorized, "missing credentials") }
        return username
    }
}
