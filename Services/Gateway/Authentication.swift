import Auth
import HTTPTypes

/// How both entry points of the public port (`/wss` upgrades and REST send) learn who is
/// calling, so they cannot disagree about credentials.
enum Authentication {
    /// The caller's username, nil for missing or wrong credentials. Throws when the key
    /// store cannot answer, which the routes answer with 503 rather than 401.
    static func byAccessKey(_ verifier: AccessKeyVerifier) -> @Sendable (HTTPFields) async throws -> String? {
        { headers in
            guard let credentials = CredentialExtractor.credentials(from: headers) else { return nil }
            return try await verifier.verify(credentials) ? credentials.username : nil
        }
    }
}
