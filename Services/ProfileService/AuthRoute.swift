import Auth
import HTTPTypes
import Hummingbird
import PublicAPI

/// `GET /auth`, for nginx's `auth_request`: 200 with the verified user in
/// `X-Vartalap-User`, or 401. Served on profile-ms's own port only, never through nginx.
struct AuthRoute: Sendable {
    static let userHeader = HTTPField.Name("x-vartalap-user")!

    let verifier: AccessKeyVerifier

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/auth") { request, _ in
            guard let credentials = CredentialExtractor.credentials(from: request.headers) else {
                throw APIError(.unauthorized, "missing credentials")
            }
            guard try await verifier.verify(credentials) else { throw APIError(.unauthorized, "wrong or expired access key") }
            return Response(status: .ok, headers: [Self.userHeader: credentials.username])
        }
    }
}
