/// Checks the `authToken` of a login: does it prove the caller is `username`?
protocol IdentityProvider: Sendable {
    /// - Throws: `.rejected` for a token that does not prove it (answered 401),
    ///   `.unavailable` when the provider cannot decide right now (answered 503).
    func verify(token: String, username: String) async throws(IdentityError) -> VerifiedIdentity
}

/// What a provider learned about the user from a valid token.
struct VerifiedIdentity: Sendable, Equatable {
    /// A display name to start the profile with, when the token carries one.
    var name: String?
}

enum IdentityError: Error, Equatable {
    case rejected(String)
    case unavailable(String)
}
