import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import XCTest

/// profile-ms with `--identity-provider firebase`, its signing keys served by a key
/// endpoint in the test the way Google serves them (kid -> PEM certificate, max-age).
final class FirebaseLoginTests: XCTestCase {
    private final class KeyEndpoint: Sendable {
        let fetches = Atomic<Int>(0)
    }

    /// Runs `body` against a fresh profile-ms that trusts `signer`'s key.
    private func withFirebaseProfile(
        extraArguments: [String] = [],
        _ body: @Sendable (ProfileProcess, FirebaseTestSigner, KeyEndpoint) async throws -> Void
    ) async throws {
        let signer = try FirebaseTestSigner(kid: "test-key-\(UUID().uuidString.prefix(6))")
        let endpoint = KeyEndpoint()
        let certificates = try JSONSerialization.data(withJSONObject: [signer.kid: signer.certificatePEM])
        let router = Router()
        router.get("/certs") { _, _ in
            endpoint.fetches.add(1, ordering: .relaxed)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "public, max-age=3600, must-revalidate, no-transform"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: certificates)))
        }
        let keyServer = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await keyServer.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let service = try await ProfileProcess(
                [
                    "--identity-provider", "firebase", "--firebase-project-id", FirebaseTestSigner.projectId,
                    "--firebase-keys-url", "http://127.0.0.1:\(port)/certs",
                ] + extraArguments)
            do {
                try await body(service, signer, endpoint)
            } catch {
                try? await service.stop()
                throw error
            }
            try await service.stop()
        }
    }

    private static func login(_ service: ProfileProcess, _ username: String, token: String) async throws -> HTTP.Reply {
        try await HTTP.send(
            "POST", service.url + "/login", json: ["username": username, "notificationToken": "fcm"], headers: ["token": token])
    }

    func testAValidTokenLogsInTheUserItNames() async throws {
        try await withFirebaseProfile { service, signer, endpoint in
            let phone = "+4915\(Int.random(in: 10_000_000...99_999_999))"
            let token = try await signer.token(.init(phone_number: phone))
            let reply = try await Self.login(service, phone, token: token)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.object["isNew"] as? Bool, true)
            let key = try XCTUnwrap(reply.object["accesskey"] as? String)
            let profile = try await HTTP.send("GET", service.url + "/profile/", headers: TestStack.credentials(phone, key))
            XCTAssertEqual(profile.object["username"] as? String, phone, profile.text)

            let inBody = try await HTTP.send(
                "POST", service.url + "/login", json: ["username": phone, "authToken": token, "deviceId": "web"])
            XCTAssertEqual(inBody.status, 200, "authToken may come in the body: \(inBody.text)")

            let someoneElse = try await Self.login(service, "+4915000000001", token: token)
            XCTAssertEqual(someoneElse.status, 401, "a valid token of another user: \(someoneElse.text)")
            XCTAssertTrue(someoneElse.isJSONError)
            let noPhone = try await Self.login(service, phone, token: try await signer.token(.init(phone_number: nil)))
            XCTAssertEqual(noPhone.status, 401, noPhone.text)

            XCTAssertEqual(endpoint.fetches.load(ordering: .relaxed), 1, "keys are cached as max-age allows")
            let log = service.log
            XCTAssertTrue(log.contains("login"), "the log should record logins")
            XCTAssertFalse(log.contains(token), "the ID token must never be logged")
            XCTAssertFalse(log.contains(key), "the access key must never be logged")
        }
    }

    func testForgedExpiredAndForeignTokensAreRefused() async throws {
        try await withFirebaseProfile { service, signer, _ in
            let phone = "+4916\(Int.random(in: 10_000_000...99_999_999))"
            let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            var expired = FirebaseTestSigner.Claims(phone_number: phone)
            expired.iat = Date().addingTimeInterval(-7200)
            expired.auth_time = expired.iat
            expired.exp = Date().addingTimeInterval(-3600)
            var otherAudience = FirebaseTestSigner.Claims(phone_number: phone)
            otherAudience.aud = "another-project"
            var otherIssuer = FirebaseTestSigner.Claims(phone_number: phone)
            otherIssuer.iss = "https://securetoken.google.com/another-project"
            var future = FirebaseTestSigner.Claims(phone_number: phone)
            future.iat = Date().addingTimeInterval(3600)
            let valid = FirebaseTestSigner.Claims(phone_number: phone)

            let refused: [(String, String)] = [
                ("bad signature", try await signer.token(valid, signingKey: stranger)),
                ("expired", try await signer.token(expired)),
                ("wrong audience", try await signer.token(otherAudience)),
                ("wrong issuer", try await signer.token(otherIssuer)),
                ("issued in the future", try await signer.token(future)),
                ("unknown key id", try await signer.token(valid, kid: "not-published", signingKey: stranger)),
                ("HS256 with the certificate as secret", try await signer.hmacToken(valid)),
                ("not a JWT", "definitely.not.a-token"),
            ]
            for (what, token) in refused {
                let reply = try await Self.login(service, phone, token: token)
                XCTAssertEqual(reply.status, 401, "\(what): \(reply.text)")
                XCTAssertTrue(reply.isJSONError, "\(what): \(reply.text)")
            }
            let accepted = try await Self.login(service, phone, token: try await signer.token(valid))
            XCTAssertEqual(accepted.status, 200, "the same claims, properly signed: \(accepted.text)")
        }
    }

    func testTheUidCanBeTheUsername() async throws {
        try await withFirebaseProfile(extraArguments: ["--firebase-username-claim", "uid"]) { service, signer, _ in
            let claims = FirebaseTestSigner.Claims(phone_number: "+4917000000000")
            let token = try await signer.token(claims)
            let asUid = try await Self.login(service, claims.sub, token: token)
            XCTAssertEqual(asUid.status, 200, asUid.text)
            let asPhone = try await Self.login(service, "+4917000000000", token: token)
            XCTAssertEqual(asPhone.status, 401, asPhone.text)
        }
    }

    func testAnUnreachableKeyEndpointIsAServiceErrorNotARefusal() async throws {
        let signer = try FirebaseTestSigner(kid: "unreachable")
        let closedPort = try await ProfileProcess.freePort()
        let service = try await ProfileProcess([
            "--identity-provider", "firebase", "--firebase-project-id", FirebaseTestSigner.projectId,
            "--firebase-keys-url", "http://127.0.0.1:\(closedPort)/certs",
        ])
        let phone = "+4918000000000"
        let reply = try await Self.login(service, phone, token: try await signer.token(.init(phone_number: phone)))
        try await service.stop()
        XCTAssertEqual(reply.status, 503, reply.text)
        XCTAssertTrue(reply.isJSONError, reply.text)
    }
}
