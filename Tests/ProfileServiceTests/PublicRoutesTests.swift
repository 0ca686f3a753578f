import Foundation
import TestSupport
import XCTest

/// Logins and the profile routes as a client sees them: through nginx, with the dev
/// identity provider of the test stack.
final class PublicRoutesTests: XCTestCase {
    func testDevLoginIssuesAWorkingKeyAndTheSecondLoginIsNotNew() async throws {
        let user = TestStack.uniqueName("+49")
        let url = try TestStack.publicURL()
        let first = try await HTTP.send(
            "POST", url + "/login", json: ["username": user, "authToken": "t", "notificationToken": "n", "deviceId": "phone"])
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(first.object["status"] as? Bool, true)
        XCTAssertEqual(first.object["username"] as? String, user)
        XCTAssertEqual(first.object["isNew"] as? Bool, true)
        let key = try XCTUnwrap(first.object["accesskey"] as? String)
        XCTAssertNotNil(key.range(of: "^[0-9a-f]{64}$", options: .regularExpression), "the key must be URL and cookie safe: \(key)")

        for path in ["/profile/", "/profile/get"] {
            let profile = try await HTTP.send("GET", url + path, headers: TestStack.credentials(user, key))
            XCTAssertEqual(profile.status, 200, "\(path): \(profile.text)")
            XCTAssertEqual(profile.object["username"] as? String, user)
            XCTAssertEqual(profile.object["name"] as? String, user)
        }

        let second = try await HTTP.send(
            "POST", url + "/login", json: ["username": user, "authToken": "t", "deviceId": "tablet"])
        XCTAssertEqual(second.object["isNew"] as? Bool, false, second.text)
        let tabletKey = try XCTUnwrap(second.object["accesskey"] as? String)
        XCTAssertNotEqual(tabletKey, key)
        let stillWorks = try await HTTP.send("GET", url + "/profile/", headers: TestStack.credentials(user, key))
        XCTAssertEqual(stillWorks.status, 200, "a login on another device must not end this one")
    }

    func testANewLoginOnTheSameDeviceReplacesItsKey() async throws {
        let user = TestStack.uniqueName("user")
        let url = try TestStack.publicURL()
        let old = try await TestStack.login(user, device: "phone")
        let new = try await TestStack.login(user, device: "phone")
        let withOld = try await HTTP.send("GET", url + "/profile/", headers: TestStack.credentials(user, old))
        XCTAssertEqual(withOld.status, 401, withOld.text)
        let withNew = try await HTTP.send("GET", url + "/profile/", headers: TestStack.credentials(user, new))
        XCTAssertEqual(withNew.status, 200, withNew.text)
    }

    /// The shipped app sends the ID token and username as headers and a body of only
    /// {username, notificationToken}.
    func testTheAppsLoginShapeWorks() async throws {
        let user = TestStack.uniqueName("user")
        let reply = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/login", json: ["username": user, "notificationToken": "fcm-token"],
            headers: ["token": "id-token", "user": user])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["username"] as? String, user)
    }

    func testLoginWithoutTokenIsUnauthorized() async throws {
        let reply = try await HTTP.send("POST", try TestStack.publicURL() + "/login", json: ["username": TestStack.uniqueName("user")])
        XCTAssertEqual(reply.status, 401, reply.text)
        XCTAssertTrue(reply.isJSONError, reply.text)
    }

    func testProtectedRoutesRefuseMissingOrWrongCredentialsThroughNginxAndDirectly() async throws {
        let user = TestStack.uniqueName("user")
        let other = TestStack.uniqueName("user")
        let key = try await TestStack.login(user)
        let otherKey = try await TestStack.login(other)
        let refused: [[String: String]] = [
            [:],
            ["user": user],
            TestStack.credentials(user, String(repeating: "0", count: 64)),
            TestStack.credentials(user, "not-a-key"),
            TestStack.credentials(user, otherKey),
            TestStack.credentials(other, key),
        ]
        for base in [try TestStack.publicURL(), try TestStack.profileURL()] {
            for headers in refused {
                for (method, path) in [("GET", "/profile/"), ("GET", "/profile/get"), ("POST", "/contactbook/sync"), ("POST", "/logout")] {
                    let reply = try await HTTP.send(method, base + path, json: ["users": [user]], headers: headers)
                    XCTAssertEqual(reply.status, 401, "\(method) \(base)\(path) with \(headers.keys.sorted()): \(reply.text)")
                    XCTAssertTrue(reply.isJSONError, reply.text)
                }
            }
            let allowed = try await HTTP.send("GET", base + "/profile/", headers: TestStack.credentials(user, key))
            XCTAssertEqual(allowed.status, 200, allowed.text)
        }
    }

    func testCookiesCarryCredentials() async throws {
        let user = TestStack.uniqueName("+44")
        let key = try await TestStack.login(user)
        let encoded = user.replacingOccurrences(of: "+", with: "%2B")
        let reply = try await HTTP.send(
            "GET", try TestStack.publicURL() + "/profile/", headers: ["cookie": "user=\(encoded); accesskey=\(key)"])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["username"] as? String, user)
    }

    func testInternalRoutesAreNotReachableThroughNginx() async throws {
        let user = TestStack.uniqueName("user")
        let key = try await TestStack.login(user)
        for path in ["/auth", "/metrics", "/alive", "/ready", "/_auth", "/no-such-route"] {
            for headers in [[:], TestStack.credentials(user, key)] {
                let reply = try await HTTP.send("GET", try TestStack.publicURL() + path, headers: headers)
                XCTAssertEqual(reply.status, 404, "\(path): \(reply.text)")
                XCTAssertTrue(reply.isJSONError, reply.text)
            }
        }
    }

    func testTheAuthEndpointNamesTheVerifiedUser() async throws {
        let user = TestStack.uniqueName("user")
        let key = try await TestStack.login(user)
        let url = try TestStack.profileURL() + "/auth"
        let ok = try await HTTP.send("GET", url, headers: TestStack.credentials(user, key))
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual(ok.headers["x-vartalap-user"], user)
        let viaCookie = try await HTTP.send("GET", url, headers: ["cookie": "user=\(user); accesskey=\(key)"])
        XCTAssertEqual(viaCookie.headers["x-vartalap-user"], user)
        let wrong = try await HTTP.send("GET", url, headers: TestStack.credentials(user, String(key.reversed())))
        XCTAssertEqual(wrong.status, 401, wrong.text)
        XCTAssertNil(wrong.headers["x-vartalap-user"])
    }

    func testMalformedBodiesGetABadRequestWithAReason() async throws {
        let user = TestStack.uniqueName("user")
        let key = try await TestStack.login(user)
        let url = try TestStack.publicURL()
        let cases: [(String, String, [String: String], String)] = [
            ("/login", "{not json", [:], "not valid JSON"),
            ("/login", #"{"username": 42, "authToken": "t"}"#, [:], "username"),
            ("/login", #"["alice"]"#, [:], "JSON object"),
            ("/login", #"{"username": "bad name!", "authToken": "t"}"#, [:], "username"),
            ("/contactbook/sync", "{\"users\": [", TestStack.credentials(user, key), "not valid JSON"),
            ("/contactbook/sync", #"{"users": "alice"}"#, TestStack.credentials(user, key), "users"),
            ("/contactbook/sync", #"{"users": [1]}"#, TestStack.credentials(user, key), "users[0]"),
            ("/profile/user/sync", "{}", TestStack.credentials(user, key), "users"),
        ]
        for (path, body, headers, mention) in cases {
            let reply = try await HTTP.send("POST", url + path, body: Data(body.utf8), headers: headers)
            XCTAssertEqual(reply.status, 400, "\(path) \(body): \(reply.text)")
            XCTAssertTrue(reply.isJSONError, reply.text)
            XCTAssertTrue((reply.object["error"] as? String ?? "").contains(mention), "\(path) \(body): \(reply.text)")
        }
    }

    func testOversizedBodiesAreRefusedWithJSON() async throws {
        let body = Data(#"{"username":"\#(String(repeating: "a", count: 40_000))"}"#.utf8)
        let reply = try await HTTP.send("POST", try TestStack.publicURL() + "/login", body: body)
        XCTAssertEqual(reply.status, 413, reply.text)
        XCTAssertTrue(reply.isJSONError, reply.text)
    }

    func testLogoutRevokesOnlyTheCallersKey() async throws {
        let user = TestStack.uniqueName("user")
        let url = try TestStack.publicURL()
        let phone = try await TestStack.login(user, device: "phone")
        let tablet = try await TestStack.login(user, device: "tablet")
        let logout = try await HTTP.send("POST", url + "/logout", headers: TestStack.credentials(user, phone))
        XCTAssertEqual(logout.status, 200, logout.text)
        XCTAssertEqual(logout.object["status"] as? Bool, true)
        for base in [url, try TestStack.profileURL()] {
            let revoked = try await HTTP.send("GET", base + "/profile/", headers: TestStack.credentials(user, phone))
            XCTAssertEqual(revoked.status, 401, "\(base): \(revoked.text)")
        }
        let other = try await HTTP.send("GET", url + "/profile/", headers: TestStack.credentials(user, tablet))
        XCTAssertEqual(other.status, 200, other.text)
    }
}
