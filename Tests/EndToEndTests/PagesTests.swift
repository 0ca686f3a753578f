import Foundation
import TestSupport
import XCTest

/// Pages and their agents through nginx: who may see and change what.
final class PagesTests: XCTestCase {
    func testAdminsManageAgentsAndEveryoneElseSeesOnlyTheName() async throws {
        let ann = try await HistoryTests.Reader.login("ann"), bob = try await HistoryTests.Reader.login("bob")
        let cid = try await HistoryTests.Reader.login("cid")
        func call(_ user: HistoryTests.Reader, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> (Int, [String: Any]) {
            try await TestStack.request(
                method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) },
                headers: TestStack.credentials(user.name, user.key))
        }

        var (status, page) = try await call(ann, "POST", "/pages", ["name": " Acme support "])
        XCTAssertEqual(status, 201, "\(page)")
        let id = try XCTUnwrap(page["id"] as? String)
        XCTAssertTrue(id.hasPrefix("~p") && id.count == 34, id)
        XCTAssertEqual(page["name"] as? String, "Acme support")
        XCTAssertEqual(page["admins"] as? [String], [ann.name])
        XCTAssertEqual(page["moderators"] as? [String], [])

        // Anyone sees the id and name only; an agent sees the agents.
        (status, page) = try await call(cid, "GET", "/pages/\(id)")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(Set(page.keys), ["id", "name"])
        (status, page) = try await call(ann, "POST", "/pages/\(id)/agents", ["usernames": [bob.name]])
        XCTAssertEqual(status, 200, "\(page)")
        XCTAssertEqual(page["moderators"] as? [String], [bob.name])
        (status, page) = try await call(bob, "GET", "/pages/\(id)")
        XCTAssertEqual(page["admins"] as? [String], [ann.name])

        // A moderator may not change it (403), others are not told it exists (404).
        (status, _) = try await call(bob, "POST", "/pages/\(id)/agents", ["usernames": [cid.name]])
        XCTAssertEqual(status, 403)
        (status, _) = try await call(cid, "PUT", "/pages/\(id)", ["name": "Mine now"])
        XCTAssertEqual(status, 404)
        (status, _) = try await call(cid, "DELETE", "/pages/\(id)/agents/\(ann.name)")
        XCTAssertEqual(status, 404)
        (status, _) = try await call(ann, "POST", "/pages/\(id)/agents", ["usernames": [cid.name], "role": "owner"])
        XCTAssertEqual(status, 400)

        // The last admin stays; after a promotion the first can go.
        (status, _) = try await call(ann, "DELETE", "/pages/\(id)/agents/\(ann.name)")
        XCTAssertEqual(status, 400)
        (status, page) = try await call(ann, "POST", "/pages/\(id)/agents", ["usernames": [bob.name], "role": "admin"])
        XCTAssertEqual(page["admins"] as? [String], [ann.name, bob.name])
        (status, page) = try await call(bob, "DELETE", "/pages/\(id)/agents/\(ann.name)")
        XCTAssertEqual(status, 200, "\(page)")
        XCTAssertEqual(page["admins"] as? [String], [bob.name])
        (status, _) = try await call(ann, "PUT", "/pages/\(id)", ["name": "Not mine"])
        XCTAssertEqual(status, 404, "ann is no agent any more")

        (status, page) = try await call(bob, "PUT", "/pages/\(id)", ["name": "Acme help", "hideAgents": true])
        XCTAssertEqual(status, 200, "\(page)")
        XCTAssertEqual(page["hideAgents"] as? Bool, true)
        (status, page) = try await call(cid, "GET", "/pages/\(id)")
        XCTAssertEqual(page["name"] as? String, "Acme help")

        for unknown in ["/pages/~p" + String(repeating: "0", count: 32), "/pages/\(bob.name)"] {
            (status, _) = try await call(cid, "GET", unknown)
            XCTAssertEqual(status, 404, unknown)
        }
        (status, _) = try await TestStack.request("GET", "/pages/\(id)")
        XCTAssertEqual(status, 401)
        (status, _) = try await call(ann, "POST", "/pages", ["name": ""])
        XCTAssertEqual(status, 400)
    }
}
