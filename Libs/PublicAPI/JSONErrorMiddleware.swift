import Broker
import DocumentStore
import Hummingbird

/// Turns every failure into the API's JSON error shape: refusals keep their status,
/// the framework's own errors (unknown route, body too large) theirs, and a database or
/// broker failure becomes 503 so the client knows to retry.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch let error as HTTPError {
            return APIResponse.error(APIError(error.status, Self.reason(for: error.status)))
        } catch let error where error is DocumentStoreError || error is BrokerError {
            context.logger.error("request failed on a dependency", metadata: ["error": "\(error)"])
            return APIResponse.error(APIError(.serviceUnavailable, "temporarily unavailable, try again"))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return APIResponse.error(APIError(.internalServerError, "internal error"))
        }
    }

    private static func reason(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such route"
        case .contentTooLarge: "request body too large"
        case .methodNotAllowed: "method not allowed"
        default: status.reasonPhrase
        }
    }
}
