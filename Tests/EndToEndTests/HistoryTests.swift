import Foundation
import TestSupport
import XCTest

/// The conversation history through nginx (`--history-retention-days 30` in the test stack):
/// who may read what, paging, refusals, and a writer killed mid-way.
final class HistoryTests: XCTestCase {
    struct Reader {
        let name: String
        let key: String

        static func login(_ prefix: String) async throws -> Reader {
            let name = TestStack.uniqueName(prefix)
            return Reader(name: name, key: try await TestStack.login(name))
        }

        func get(_ path: String) async throws -> (Int, [String: Any]) {
            try await TestStack.request("GET", path, headers: TestStack.credentials(name, key))
        }

        struct Refused: Error {
            let status: Int
            let body: String
        }

        /// Every message id of the conversation, newest first, read `pageSize` at a time;
        /// throws `Refused` for any answer but 200 (404: nothing readable yet).
        func allMessageIds(with id: String, pageSize: Int = 7) async throws -> [String] {
            var ids: [String] = []
            var cursor: String?
            repeat {
                let query = "limit=\(pageSize)" + (cursor.map { "&before=\($0)" } ?? "")
                let (status, body) = try await get("/conversations/\(id)/messages?\(query)")
                guard status == 200 else { throw Refused(status: status, body: "\(body)") }
                ids += (body["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = body["next"] as? String
            } while cursor != nil
            return ids
        }
    }

    func testBothSidesOfAChatReadItPageByPageAndNobodyElseDoes() async throws {
        let alice = try await Reader.login("alice"), bob = try await Reader.login("bob"), eve = try await Reader.login("eve")
        let socket = try await ChatClient.connect(alice.name, key: alice.key)
        defer { socket.close() }
        let ids = (0..<20).map { "h-\($0)" }
        for id in ids {
            socket.sendMessage(to: bob.name, id: id, text: id)
            _ = try await socket.waitForFrame("the server ack of \(id)") { $0.isServerAck && $0.id == id }
        }
        try await eventually("the history to hold every message") {
            (try? await bob.allMessageIds(with: alice.name).count) == ids.count
        }
        // Newest first, each once, across pages of 7 (bob offline: nothing was delivered yet).
        let bobReads = try await bob.allMessageIds(with: alice.name)
        let aliceReads = try await alice.allMessageIds(with: bob.name)
        XCTAssertEqual(bobReads, ids.reversed())
        XCTAssertEqual(aliceReads, ids.reversed())

        let (status, body) = try await bob.get("/conversations/\(alice.name)/messages?limit=2")
        XCTAssertEqual(status, 200)
        let first = try XCTUnwrap((body["messages"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["id"] as? String, "h-19")
        XCTAssertEqual((first["head"] as? [String: Any])?["from"] as? String, alice.name, "not the socket's JSON 2.1")
        // Oldest first after a cursor.
        let (afterStatus, after) = try await bob.get("/conversations/\(alice.name)/messages?limit=3&after=\(try XCTUnwrap(body["next"] as? String))")
        XCTAssertEqual(afterStatus, 200)
        XCTAssertEqual((after["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, ["h-19"])

        let (inboxStatus, inbox) = try await bob.get("/conversations")
        XCTAssertEqual(inboxStatus, 200)
        let conversation = try XCTUnwrap((inbox["conversations"] as? [[String: Any]])?.first)
        XCTAssertEqual(conversation["id"] as? String, alice.name)
        XCTAssertEqual(conversation["type"] as? String, "user")
        XCTAssertEqual((conversation["lastMessage"] as? [String: Any])?["id"] as? String, "h-19")
        XCTAssertNotNil(conversation["updatedAt"] as? Int)

        // eve's conversation with alice is her own, and empty: she never sees alice's with bob.
        let (eveStatus, eveReads) = try await eve.get("/conversations/\(alice.name)/messages")
        XCTAssertEqual(eveStatus, 200)
        XCTAssertEqual((eveReads["messages"] as? [Any])?.count, 0)
        let (eveInbox, eveList) = try await eve.get("/conversations")
        XCTAssertEqual(eveInbox, 200)
        XCTAssertEqual((eveList["conversations"] as? [Any])?.count, 0)
    }

    func testAGroupMemberReadsTheGroupOnlyForTheTimeTheyWereAMember() async throws {
        let alice = try await Reader.login("alice"), bob = try await Reader.login("bob")
        let carol = try await Reader.login("carol"), dave = try await Reader.login("dave")
        let api = GroupAPI(user: alice.name, key: alice.key)
        let groupId = try await api.create("History window", members: [bob.name])
        let socket = try await ChatClient.connect(alice.name, key: alice.key)
        defer { socket.close() }

        socket.sendGroupMessage(to: groupId, id: "before-carol", text: "bob only")
        _ = try await socket.waitForFrame("the server ack") { $0.isServerAck && $0.id == "before-carol" }
        try await eventually("bob to read the first group message") {
            (try? await bob.allMessageIds(with: groupId)) == ["before-carol"]
        }
        let (added, _) = try await api.call("POST", "/groups/\(groupId)/members", ["members": [carol.name]])
        XCTAssertEqual(added, 200)
        let (removed, _) = try await api.call("DELETE", "/groups/\(groupId)/members", ["member": bob.name])
        XCTAssertEqual(removed, 200)
        socket.sendGroupMessage(to: groupId, id: "after-bob", text: "carol only")
        _ = try await socket.waitForFrame("the server ack") { $0.isServerAck && $0.id == "after-bob" }
        try await eventually("carol to read the second group message") {
            (try? await carol.allMessageIds(with: groupId)) == ["after-bob"]
        }
        let aliceReads = try await alice.allMessageIds(with: groupId)
        let bobReads = try await bob.allMessageIds(with: groupId)
        XCTAssertEqual(aliceReads, ["after-bob", "before-carol"])
        XCTAssertEqual(bobReads, ["before-carol"], "bob reads past his removal")
        let (daveStatus, refusal) = try await dave.get("/conversations/\(groupId)/messages")
        XCTAssertEqual(daveStatus, 404, "a non-member must not learn the group exists")
        XCTAssertEqual(refusal["status"] as? Bool, false)
        let (unknown, _) = try await dave.get("/conversations/no-such-group-or-user-\(UUID().uuidString)/messages")
        XCTAssertEqual(unknown, 200, "a conversation with a user who never wrote is empty, as any other")

        let (_, inbox) = try await carol.get("/conversations")
        let conversation = try XCTUnwrap((inbox["conversations"] as? [[String: Any]])?.first)
        XCTAssertEqual(conversation["id"] as? String, groupId)
        XCTAssertEqual(conversation["type"] as? String, "group")
    }

    func testBadCursorsLimitsAndMissingCredentialsAreRefusedWithAReason() async throws {
        let alice = try await Reader.login("alice")
        for query in ["limit=0", "limit=101", "limit=ten", "before=not-a-cursor", "after=12.%25%25", "before=1.YQ&after=1.YQ"] {
            let (status, body) = try await alice.get("/conversations/bob/messages?\(query)")
            XCTAssertEqual(status, 400, query)
            XCTAssertEqual(body["status"] as? Bool, false, query)
            XCTAssertFalse((body["error"] as? String ?? "").isEmpty, query)
        }
        let (inboxStatus, _) = try await alice.get("/conversations?before=nope")
        XCTAssertEqual(inboxStatus, 400)
        let (anonymous, _) = try await TestStack.request("GET", "/conversations")
        XCTAssertEqual(anonymous, 401)
    }

    /// The history writer (persistence) dies mid-way: after its restart every message is in
    /// the history once.
    func testKillingTheHistoryWriterLosesAndRepeatsNothing() async throws {
        let alice = try await Reader.login("alice"), bob = try await Reader.login("bob")
        let socket = try await ChatClient.connect(alice.name, key: alice.key)
        defer { socket.close() }
        let ids = (0..<120).map { "k-\($0)" }
        var victim: Int32?
        for (index, id) in ids.enumerated() {
            socket.sendMessage(to: bob.name, id: id, text: id)
            if index == 60 { victim = try StackProcesses.killHard("persistence") }
        }
        for id in ids { _ = try await socket.waitForFrame(timeout: .seconds(60), "the server ack of \(id)") { $0.isServerAck && $0.id == id } }
        try await StackProcesses.waitForRestart(of: "persistence", replacing: try XCTUnwrap(victim))
        try await eventually(timeout: .seconds(60), "the history to hold every message") {
            (try? await bob.allMessageIds(with: alice.name, pageSize: 100).count) ?? 0 >= ids.count
        }
        let listed = try await bob.allMessageIds(with: alice.name, pageSize: 100)
        XCTAssertEqual(listed.count, ids.count, "repeated: \(listed.count - Set(listed).count)")
        XCTAssertEqual(Set(listed), Set(ids))
    }
}
