import DocumentStore
import Foundation
import TestSupport
import XCTest

final class ContactSyncTests: XCTestCase {
    func testSyncAnswersOnlyRegisteredActiveUsers() async throws {
        let me = TestStack.uniqueName("+91")
        let friend = TestStack.uniqueName("+91")
        let gone = TestStack.uniqueName("+91")
        let stranger = TestStack.uniqueName("+91")
        let key = try await TestStack.login(me)
        _ = try await TestStack.login(friend)
        _ = try await TestStack.login(gone)

        let deactivated = try await withTestStore { store in
            try await store.collection("profiles", in: TestStack.database).updateOne(
                ["_id": .string(gone)], ["$set": ["active": false]])
        }
        XCTAssertEqual(deactivated.matchedCount, 1, "profiles are stored by username")

        for path in ["/contactbook/sync", "/profile/user/sync"] {
            let reply = try await HTTP.send(
                "POST", try TestStack.publicURL() + path, json: ["users": [friend, gone, stranger, friend, "bad name"]],
                headers: TestStack.credentials(me, key))
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.object as NSDictionary, [friend: true] as NSDictionary, "\(path): \(reply.text)")
        }

        let refused = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/login", json: ["username": gone, "authToken": "t"])
        XCTAssertEqual(refused.status, 403, "a deactivated user cannot log in: \(refused.text)")
        XCTAssertTrue(refused.isJSONError)
    }

    func testTooManyContactsAreRefused() async throws {
        let me = TestStack.uniqueName("user")
        let key = try await TestStack.login(me)
        let many = (0...1000).map { "+1555\($0)" }
        let reply = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/contactbook/sync", json: ["users": many], headers: TestStack.credentials(me, key))
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertTrue((reply.object["error"] as? String ?? "").contains("1000"), reply.text)
        let limit = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/contactbook/sync", json: ["users": Array(many.prefix(1000))],
            headers: TestStack.credentials(me, key))
        XCTAssertEqual(limit.status, 200, limit.text)
    }
}
