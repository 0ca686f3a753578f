import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore

/// OAuth2 access tokens for a service account (Google's "JWT bearer" grant): a JWT signed
/// with the account's key (RS256) is exchanged at the token endpoint for an access token,
/// which is reused until shortly before it expires.
actor GoogleAccessTokens {
    static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"
    static let googleTokenURL = "https://oauth2.googleapis.com/token"
    /// How long a signed assertion is valid; Google accepts at most an hour.
    static let assertionLifetime: TimeInterval = 3600

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct Cached {
        let token: String
        let renewAt: ContinuousClock.Instant
    }

    private let tokenURL: String
    private let clientEmail: String
    private let keys: JWTKeyCollection
    private let keyId: JWKIdentifier
    private let http: HTTPClient
    private let renewBeforeExpiry: Duration
    private var cached: Cached?
    private var inFlight: Task<Cached, any Error>?

    /// - Parameter renewBeforeExpiry: a token is replaced this long before Google says it
    ///   expires, so a request never leaves with a token that dies on the way.
    init(key: ServiceAccountKey, tokenURL: String, http: HTTPClient, renewBeforeExpiry: Duration = .seconds(60)) async {
        self.tokenURL = tokenURL
        clientEmail = key.clientEmail
        keyId = JWKIdentifier(string: key.privateKeyId)
        let keys = JWTKeyCollection()
        await keys.add(rsa: key.privateKey, digestAlgorithm: .sha256, kid: keyId)
        self.keys = keys
        self.http = http
        self.renewBeforeExpiry = renewBeforeExpiry
    }

    /// A valid access token; concurrent callers that find none share one request.
    func accessToken() async throws -> String {
        if let cached, ContinuousClock.now < cached.renewAt { return cached.token }
        if let inFlight { return try await inFlight.value.token }
        let task = Task { try await fetch() }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        cached = fresh
        return fresh.token
    }

    /// Forgets `token` after the API refused it (revoked early), unless it was replaced already.
    func invalidate(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    private struct Assertion: JWTPayload {
        let iss: String
        let scope: String
        let aud: String
        let iat: Int
        let exp: Int

        func verify(using _: some JWTAlgorithm) async throws {}
    }

    private struct TokenResponse: Decodable {
        let access_token: String
        let expires_in: Int
    }

    private func fetch() async throws -> Cached {
        let issuedAt = Date()
        let assertion = try await keys.sign(
            Assertion(
                iss: clientEmail, scope: Self.messagingScope, aud: tokenURL, iat: Int(issuedAt.timeIntervalSince1970),
                exp: Int(issuedAt.timeIntervalSince1970 + Self.assertionLifetime)),
            kid: keyId)
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: Self.form([
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion),
        ])))
        let requestedAt = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            // Google's error body names the problem (invalid_grant, ...) and holds no secret.
            throw Failure(description: "token endpoint answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
        let answer: TokenResponse
        do {
            answer = try JSONDecoder().decode(TokenResponse.self, from: Data(buffer: body))
        } catch {
            throw Failure(description: "token endpoint answered without access_token and expires_in")
        }
        return Cached(token: answer.access_token, renewAt: requestedAt + .seconds(answer.expires_in) - renewBeforeExpiry)
    }

    private static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
