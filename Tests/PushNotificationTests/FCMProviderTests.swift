import AsyncHTTPClient
import Foundation
import Logging
import TestSupport
import XCTest

@testable import PushNotification

/// The FCM provider and its OAuth2 tokens against a local server speaking Google's APIs.
final class FCMProviderTests: XCTestCase {
    private static func provider(
        _ google: FakeGoogle, maxAttempts: Int = 4, ttlSeconds: Int = 3600, renewBeforeExpiry: Duration = .seconds(60)
    ) async throws -> FCMProvider {
        let key = try ServiceAccountKey(contentsOf: google.keyFile.path)
        var configuration = FCMConfiguration(
            apiURL: google.baseURL + "/", projectId: key.projectId, ttlSeconds: ttlSeconds, maxAttempts: maxAttempts)
        configuration.retryBaseDelay = .milliseconds(50)
        let tokens = await GoogleAccessTokens(
            key: key, tokenURL: try XCTUnwrap(key.tokenURI), http: .shared, renewBeforeExpiry: renewBeforeExpiry)
        return FCMProvider(configuration: configuration, tokens: tokens, http: .shared, logger: TestStack.logger)
    }

    private static func push(_ token: String, data: [String: String] = ["message": "{}", "count": "1"]) -> Push {
        Push(user: "bob", device: "phone", token: token, data: data)
    }

    func testTheRequestHasFCMsShapeAndABearerTokenFromASignedAssertion() async throws {
        try await FakeGoogle.serve { google in
            let fcm = try await Self.provider(google, ttlSeconds: 86_400)
            let data = ["message": #"{"id":"m1"}"#, "count": "1"]
            let outcome = await fcm.send(Self.push("device-token-1", data: data))
            XCTAssertEqual(outcome, .sent)

            let tokenRequest = try XCTUnwrap(google.tokenRequests.first)
            XCTAssertEqual(tokenRequest.contentType, "application/x-www-form-urlencoded")
            XCTAssertEqual(tokenRequest.grantType, "urn:ietf:params:oauth:grant-type:jwt-bearer")
            let claims = try XCTUnwrap(tokenRequest.verifiedClaims, "the assertion must verify with the account's public key")
            XCTAssertEqual(claims.iss, FakeGoogle.clientEmail)
            XCTAssertEqual(claims.scope, "https://www.googleapis.com/auth/firebase.messaging")
            XCTAssertEqual(claims.aud, google.tokenURL)
            XCTAssertEqual(claims.exp - claims.iat, 3600)
            XCTAssertLessThan(abs(Double(claims.iat) - Date().timeIntervalSince1970), 60)

            let send = try XCTUnwrap(google.sends.first)
            XCTAssertEqual(send.path, "/v1/projects/\(FakeGoogle.projectId)/messages:send")
            XCTAssertEqual(send.contentType, "application/json; charset=UTF-8")
            let authorization = try XCTUnwrap(send.authorization)
            XCTAssertTrue(authorization.hasPrefix("Bearer access-1-"), authorization)
            let expected: [String: Any] = [
                "message": [
                    "token": "device-token-1", "data": data, "android": ["priority": "HIGH", "ttl": "86400s"],
                ]
            ]
            XCTAssertEqual(send.object as NSDictionary, expected as NSDictionary)
        }
    }

    func testTheAccessTokenIsReusedUntilShortlyBeforeItExpires() async throws {
        try await FakeGoogle.serve { google in
            google.setTokenLifetime(seconds: 2)
            let fcm = try await Self.provider(google, renewBeforeExpiry: .seconds(1))
            for index in 1...3 {
                let outcome = await fcm.send(Self.push("token-\(index)"))
                XCTAssertEqual(outcome, .sent)
            }
            XCTAssertEqual(google.tokenRequests.count, 1, "one token serves every push while it is valid")
            XCTAssertEqual(Set(google.sends.map(\.authorization)).count, 1)

            try await eventually(timeout: .seconds(10), "a new token once the first nears its expiry") {
                _ = await fcm.send(Self.push("later"))
                return google.tokenRequests.count == 2
            }
            let requests = google.tokenRequests
            let renewedAfter = requests[1].at - requests[0].at
            XCTAssertGreaterThanOrEqual(renewedAfter, .seconds(1), "kept until 1 s before its 2 s lifetime ended")
            XCTAssertLessThan(renewedAfter, .seconds(2), "renewed before it expired")
            XCTAssertEqual(Set(google.sends.map(\.authorization)).count, 2)
            XCTAssertTrue(google.sends.allSatisfy { $0.authorization != nil })
        }
    }

    func testTooManyRequestsIsRetriedAfterTheRetryAfterPause() async throws {
        try await FakeGoogle.serve { google in
            let fcm = try await Self.provider(google)
            google.script("busy-token", [.status(429, retryAfter: "1")])
            let outcome = await fcm.send(Self.push("busy-token"))
            XCTAssertEqual(outcome, .sent)
            let sends = google.sends(to: "busy-token")
            XCTAssertEqual(sends.count, 2)
            XCTAssertGreaterThanOrEqual(sends[1].at - sends[0].at, .seconds(1), "Retry-After: 1 is honoured")
        }
    }

    func testServerErrorsBackOffAndGiveUpAfterTheLastAttempt() async throws {
        try await FakeGoogle.serve { google in
            let fcm = try await Self.provider(google, maxAttempts: 3)
            google.script("flaky", [.status(503), .status(500)])
            let recovered = await fcm.send(Self.push("flaky"))
            XCTAssertEqual(recovered, .sent)
            let flaky = google.sends(to: "flaky")
            XCTAssertEqual(flaky.count, 3)
            XCTAssertGreaterThanOrEqual(flaky[1].at - flaky[0].at, .milliseconds(50), "the first pause")
            XCTAssertGreaterThanOrEqual(flaky[2].at - flaky[1].at, .milliseconds(100), "the pause doubles")

            google.script("down", [.status(503), .status(503), .status(503), .status(503)])
            let outcome = await fcm.send(Self.push("down"))
            guard case .failed(let reason) = outcome else { return XCTFail("expected a failure, got \(outcome)") }
            XCTAssertTrue(reason.contains("503"), reason)
            XCTAssertEqual(google.sends(to: "down").count, 3, "no more than --push-max-attempts tries")
        }
    }

    func testAnUnregisteredTokenIsReportedAndABadRequestIsNotRetried() async throws {
        try await FakeGoogle.serve { google in
            let fcm = try await Self.provider(google)
            google.unregister("gone")
            let gone = await fcm.send(Self.push("gone"))
            XCTAssertEqual(gone, .unregistered)
            XCTAssertEqual(google.sends(to: "gone").count, 1)

            google.script("bad", [.status(400)])
            let bad = await fcm.send(Self.push("bad"))
            guard case .failed = bad else { return XCTFail("expected a failure, got \(bad)") }
            XCTAssertEqual(google.sends(to: "bad").count, 1)
        }
    }

    func testARefusedAccessTokenIsReplacedOnce() async throws {
        try await FakeGoogle.serve { google in
            let fcm = try await Self.provider(google)
            let first = await fcm.send(Self.push("a"))
            XCTAssertEqual(first, .sent)
            google.revokeAccessTokens()
            let second = await fcm.send(Self.push("b"))
            XCTAssertEqual(second, .sent)
            XCTAssertEqual(google.tokenRequests.count, 2)
            XCTAssertEqual(google.sends(to: "b").count, 2, "refused once, then sent with the new token")
        }
    }

    func testRetryAfterIsReadAsSecondsOrAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        XCTAssertEqual(RetryAfter.parse("7", now: now), .seconds(7))
        XCTAssertEqual(RetryAfter.parse("Tue, 14 Nov 2023 22:13:30 GMT", now: now), .seconds(10))
        XCTAssertEqual(RetryAfter.parse("Tue, 14 Nov 2023 22:00:00 GMT", now: now), .zero, "a date in the past: at once")
        XCTAssertNil(RetryAfter.parse("soon", now: now))
        XCTAssertNil(RetryAfter.parse(nil, now: now))
    }
}
