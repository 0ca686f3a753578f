import Hummingbird

/// A refusal with the status and reason the client gets as `{status:false, error}`.
public struct APIError: Error, Equatable {
    public let status: HTTPResponse.Status
    public let reason: String

    public init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}

extension APIError {
    /// Credentials could not be checked because the key store did not answer. A 503, not a
    /// 401: the client's key may be fine, so it should retry rather than log in again.
    public static let authenticationUnavailable = APIError(.serviceUnavailable, "authentication is unavailable, try again")
}
