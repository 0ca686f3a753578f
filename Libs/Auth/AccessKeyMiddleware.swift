import Hummingbird
import PublicAPI

/// Lets a request through only with valid credentials (`CredentialExtractor`), and puts
/// the authenticated user on the context. Otherwise answers 401 `{status:false, error}`,
/// or 503 when the key store cannot be reached.
public struct AccessKeyMiddleware<Context: AuthenticatedRequestContext>: RouterMiddleware {
    private let verifier: AccessKeyVerifier

    public init(verifier: AccessKeyVerifier) {
        self.verifier = verifier
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let credentials = CredentialExtractor.credentials(from: request.headers) else {
            return APIResponse.error(APIError(.unauthorized, "missing credentials: send the user and accesskey headers"))
        }
        let valid: Bool
        do {
            valid = try await verifier.verify(credentials)
        } catch {
            context.logger.error("access key lookup failed", metadata: ["error": "\(error)"])
            return APIResponse.error(.authenticationUnavailable)
        }
        guard valid else { return APIResponse.error(APIError(.unauthorized, "wrong or expired access key")) }
        var context = context
        context.username = credentials.username
        context.logger[metadataKey: "user"] = .string(credentials.username)
        return try await next(request, context)
    }
}
