import ChatProtocol
import CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Synchronization
import XCTest

/// Plays Google's part in tests, over real HTTP on a local port: the OAuth2 token endpoint
/// (checks the signed assertion with the service account's public key, issues access
/// tokens) and the FCM HTTP v1 `messages:send` endpoint (checks the access token, records
/// each push, answers as scripted per device token).
final class FakeGoogle: Sendable {
    static let projectId = "vartalap-push-test"
    static let clientEmail = "pusher@vartalap-push-test.iam.gserviceaccount.com"
    static let keyId = "test-key-1"

    /// An answer of the FCM endpoint.
    enum Answer: Sendable {
        case ok
        case status(Int, retryAfter: String? = nil)
        case unregistered
    }

    struct TokenRequest: Sendable {
        let contentType: String?
        let grantType: String?
        /// The assertion's claims when its signature checked out with the account's key.
        let verifiedClaims: Assertion?
        let at: ContinuousClock.Instant
    }

    struct Assertion: JWTPayload, Equatable {
        let iss: String
        let scope: String
        let aud: String
        let iat: Int
        let exp: Int

        func verify(using _: some JWTAlgorithm) async throws {}
    }

    struct Send: Sendable {
        let path: String
        let authorization: String?
        let contentType: String?
        let body: Data
        let at: ContinuousClock.Instant

        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var message: [String: Any] { object["message"] as? [String: Any] ?? [:] }
        var token: String? { message["token"] as? String }
        var data: [String: String] { message["data"] as? [String: String] ?? [:] }

        /// The ids of the messages the push carries, as JSON frames or base64 protobuf.
        var messageIds: [String] {
            guard let text = data["message"] else { return [] }
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) else {
                return Self.protobufId(text).map { [$0] } ?? []
            }
            let items = (json as? [Any]) ?? [json]
            return items.compactMap { item in
                if let frame = item as? [String: Any] { return frame["id"] as? String }
                return (item as? String).flatMap(Self.protobufId)
            }
        }

        private static func protobufId(_ base64: String) -> String? {
            Data(base64Encoded: base64).flatMap { try? ChatMessage(protobuf: $0).id }
        }
    }

    private struct State {
        var tokenRequests: [TokenRequest] = []
        var sends: [Send] = []
        var issued: [String: ContinuousClock.Instant] = [:]
        var tokenLifetime = 3600
        var scripted: [String: [Answer]] = [:]
        var dead: Set<String> = []
    }

    private let state = Mutex(State())
    let privateKey: _RSA.Signing.PrivateKey
    private let verifier: JWTKeyCollection
    let keyFile: URL
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var tokenURL: String { baseURL + "/token" }
    var sendPath: String { "/v1/projects/\(Self.projectId)/messages:send" }

    private init(port: Int, privateKey: _RSA.Signing.PrivateKey, verifier: JWTKeyCollection, keyFile: URL) {
        self.port = port
        self.privateKey = privateKey
        self.verifier = verifier
        self.keyFile = keyFile
    }

    /// Runs `body` while the fake serves; the service-account key file (whose `token_uri`
    /// points here) is removed afterwards.
    static func serve(_ body: @escaping @Sendable (FakeGoogle) async throws -> Void) async throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let verifier = JWTKeyCollection()
        await verifier.add(
            rsa: try Insecure.RSA.PublicKey(backing: privateKey.publicKey), digestAlgorithm: .sha256,
            kid: JWKIdentifier(string: keyId))
        let holder = Mutex<FakeGoogle?>(nil)
        let router = Router()
        router.post("**") { request, _ in
            guard let fake = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await fake.answer(request)
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-google-\(UUID().uuidString).json")
            let fake = FakeGoogle(port: port, privateKey: privateKey, verifier: verifier, keyFile: keyFile)
            try fake.writeKeyFile()
            holder.withLock { $0 = fake }
            defer { try? FileManager.default.removeItem(at: keyFile) }
            try await body(fake)
        }
    }

    /// A key file as Google issues it (PKCS#8 PEM key, token_uri), pointing at this fake.
    private func writeKeyFile() throws {
        let key: [String: String] = [
            "type": "service_account", "project_id": Self.projectId, "private_key_id": Self.keyId,
            "private_key": privateKey.pkcs8PEMRepresentation, "client_email": Self.clientEmail,
            "client_id": "1234567890", "token_uri": tokenURL,
        ]
        try JSONSerialization.data(withJSONObject: key).write(to: keyFile)
    }

    // MARK: - scripting and inspection

    /// `expires_in` of the access tokens issued from now on.
    func setTokenLifetime(seconds: Int) {
        state.withLock { $0.tokenLifetime = seconds }
    }

    /// The next answers for pushes to `token`, in order; then `.ok` (or unregistered if dead).
    func script(_ token: String, _ answers: [Answer]) {
        state.withLock { $0.scripted[token, default: []].append(contentsOf: answers) }
    }

    /// FCM answers UNREGISTERED for this token from now on.
    func unregister(_ token: String) {
        state.withLock { _ = $0.dead.insert(token) }
    }

    /// Every access token issued so far is refused from now on, as after a revocation.
    func revokeAccessTokens() {
        state.withLock { $0.issued.removeAll() }
    }

    var tokenRequests: [TokenRequest] { state.withLock { $0.tokenRequests } }
    var sends: [Send] { state.withLock { $0.sends } }

    func sends(to token: String) -> [Send] {
        sends.filter { $0.token == token }
    }

    // MARK: - the endpoints

    private func answer(_ request: Request) async throws -> Response {
        let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        if request.uri.path == "/token" {
            return await issueToken(request, body: body)
        }
        let send = Send(
            path: request.uri.path, authorization: request.headers[.authorization], contentType: request.headers[.contentType],
            body: body, at: .now)
        let (answer, authorized) = state.withLock { state -> (Answer, Bool) in
            state.sends.append(send)
            let bearer = send.authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            guard let bearer, let expiry = state.issued[bearer], ContinuousClock.now < expiry else { return (.ok, false) }
            guard let token = send.token else { return (.status(400), true) }
            if var queued = state.scripted[token], !queued.isEmpty {
                let next = queued.removeFirst()
                state.scripted[token] = queued
                return (next, true)
            }
            return (state.dead.contains(token) ? .unregistered : .ok, true)
        }
        guard authorized else {
            return Self.json(.unauthorized, ["error": ["code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"]])
        }
        guard send.path == sendPath else { return Self.json(.notFound, ["error": ["code": 404, "status": "NOT_FOUND"]]) }
        switch answer {
        case .ok:
            return Self.json(.ok, ["name": "projects/\(Self.projectId)/messages/\(UUID().uuidString)"])
        case .unregistered:
            return Self.json(.notFound, [
                "error": [
                    "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
                    "details": [["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"]],
                ]
            ])
        case .status(let code, let retryAfter):
            var response = Self.json(.init(code: code), ["error": ["code": code, "status": code == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE"]])
            if let retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        }
    }

    private func issueToken(_ request: Request, body: Data) async -> Response {
        let form = Self.form(body)
        var claims: Assertion?
        if let assertion = form["assertion"] {
            claims = try? await verifier.verify(assertion, as: Assertion.self)
        }
        let tokenRequest = TokenRequest(
            contentType: request.headers[.contentType], grantType: form["grant_type"], verifiedClaims: claims, at: .now)
        let issued = state.withLock { state -> (String, Int)? in
            state.tokenRequests.append(tokenRequest)
            guard claims != nil else { return nil }
            let token = "access-\(state.tokenRequests.count)-\(UUID().uuidString.prefix(8))"
            state.issued[token] = .now + .seconds(state.tokenLifetime)
            return (token, state.tokenLifetime)
        }
        guard let (token, lifetime) = issued else {
            return Self.json(.badRequest, ["error": "invalid_grant", "error_description": "Invalid JWT Signature."])
        }
        return Self.json(.ok, ["access_token": token, "expires_in": lifetime, "token_type": "Bearer"])
    }

    private static func form(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
