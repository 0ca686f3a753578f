/// Accepts any non-empty token for any username: for the local stack and tests only.
/// profile-ms refuses to start with it on a non-loopback address unless told otherwise
/// (see `ProfileCommand.validate`).
struct DevIdentityProvider: IdentityProvider {
    func verify(token: String, username: String) async throws(IdentityError) -> VerifiedIdentity {
        guard !token.isEmpty else { throw .rejected("missing authToken") }
        return VerifiedIdentity(name: nil)
    }

    /// Whether `host` is reachable only from this machine.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.split(separator: ".").first == "127"
    }
}
