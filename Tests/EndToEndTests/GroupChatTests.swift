import Foundation
import TestSupport
import XCTest

/// Group chat through nginx, group-ms, the routers, session-ms and persistence, as real
/// clients see it.
final class GroupChatTests: XCTestCase {
    private struct Member {
        let name: String
        let key: String
        var api: GroupAPI { GroupAPI(user: name, key: key) }

        static func login(_ prefix: String) async throws -> Member {
            let name = TestStack.uniqueName(prefix)
            return Member(name: name, key: try await TestStack.login(name))
        }

        func connect() async throws -> ChatClient {
            try await ChatClient.connect(name, key: key)
        }
    }

    func testCreationReachesAllMessagesFanOutWithAcksAndAnOfflineMemberGetsThemOnReconnect() async throws {
        let alice = try await Member.login("alice"), bob = try await Member.login("bob"), carol = try await Member.login("carol")
        let aliceSocket = try await alice.connect(), bobSocket = try await bob.connect()
        let carolSocket = try await carol.connect()
        defer { aliceSocket.close(); bobSocket.close() }

        let groupId = try await alice.api.create("Trip", members: [bob.name, carol.name])
        for socket in [aliceSocket, bobSocket, carolSocket] {
            let event = try await socket.waitForGroupEvent(groupId, action: "add").first
            let added = (event?.object["body"] as? [String: Any])?["added"] as? [[String: String]] ?? []
            XCTAssertEqual(Set(added.compactMap { $0["username"] }), [alice.name, bob.name, carol.name])
            XCTAssertEqual(event?.from, alice.name, "the actor is the source")
        }
        let (status, listed) = try await bob.api.call("GET", "/groups")
        XCTAssertEqual(status, 200)
        XCTAssertEqual((listed as? [[String: Any]])?.compactMap { $0["groupId"] as? String }, [groupId])
        let roles = try await bob.api.roles(groupId)
        XCTAssertEqual(roles, [alice.name: "admin", bob.name: "user", carol.name: "user"])

        aliceSocket.sendGroupMessage(to: groupId, id: "g-1", text: "hello all")
        _ = try await aliceSocket.waitForFrame("server ack") { $0.isServerAck && $0.id == "g-1" }
        for socket in [bobSocket, carolSocket] {
            let received = try await socket.waitForFrame("the group message") { $0.id == "g-1" }
            XCTAssertEqual(received.from, alice.name)
            XCTAssertEqual(received.to, groupId)
            XCTAssertEqual(received.text, "hello all")
        }
        XCTAssertFalse(aliceSocket.messages.contains { $0.id == "g-1" }, "the sender gets no copy")

        // Carol goes offline; the next message waits for her and comes on reconnect.
        carolSocket.close()
        try await eventually("carol's socket to close") { carolSocket.isClosed }
        bobSocket.sendGroupMessage(to: groupId, id: "g-2", text: "while carol is away")
        _ = try await aliceSocket.waitForFrame("g-2 for alice") { $0.id == "g-2" }
        try await eventually("g-2 stored for carol") {
            let (_, object) = try await TestStack.request("GET", "/messages", headers: TestStack.credentials(carol.name, carol.key))
            return (object["messages"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "g-2" }
        }
        let carolAgain = try await carol.connect()
        defer { carolAgain.close() }
        let redelivered = try await carolAgain.waitForFrame("g-2 redelivered") { $0.id == "g-2" }
        XCTAssertEqual(redelivered.from, bob.name)
        try await eventually("carol's ack to delete the stored copy") {
            let (_, object) = try await TestStack.request("GET", "/messages", headers: TestStack.credentials(carol.name, carol.key))
            return (object["messages"] as? [[String: Any]] ?? []).isEmpty
        }
    }

    func testARemovedMemberGetsNothingMoreAndANonMemberIsRefused() async throws {
        let alice = try await Member.login("alice"), bob = try await Member.login("bob"), carol = try await Member.login("carol")
        let mallory = try await Member.login("mallory")
        let aliceSocket = try await alice.connect(), bobSocket = try await bob.connect(), carolSocket = try await carol.connect()
        let mallorySocket = try await mallory.connect()
        defer { aliceSocket.close(); bobSocket.close(); carolSocket.close(); mallorySocket.close() }
        let groupId = try await alice.api.create("Team", members: [bob.name, carol.name])
        // group-router now caches the member list with carol in it.
        aliceSocket.sendGroupMessage(to: groupId, id: "before-removal", text: "all here")
        _ = try await carolSocket.waitForFrame("before-removal for carol") { $0.id == "before-removal" }

        let (status, answer) = try await alice.api.call("DELETE", "/groups/\(groupId)/members", ["member": carol.name])
        XCTAssertEqual(status, 200)
        XCTAssertEqual((answer as? [String: Any])?["status"] as? Bool, true)
        for socket in [aliceSocket, bobSocket, carolSocket] {
            let event = try await socket.waitForGroupEvent(groupId, action: "remove").first
            XCTAssertEqual((event?.object["body"] as? [String: Any])?["removed"] as? [String], [carol.name], "\(socket.user)")
        }
        // Sent right after the REST call returned: routed without carol.
        aliceSocket.sendGroupMessage(to: groupId, id: "after-removal", text: "carol is out")
        _ = try await bobSocket.waitForFrame("after-removal for bob") { $0.id == "after-removal" }
        // Carol rejoins and a later message reaches her: copies for her are made in the
        // group's order, so one of the earlier message would have come first.
        let (added, _) = try await alice.api.call("POST", "/groups/\(groupId)/members", ["members": [carol.name]])
        XCTAssertEqual(added, 200)
        aliceSocket.sendGroupMessage(to: groupId, id: "after-rejoin", text: "welcome back")
        _ = try await carolSocket.waitForFrame("after-rejoin for carol") { $0.id == "after-rejoin" }
        XCTAssertFalse(carolSocket.messages.contains { $0.id == "after-removal" }, "a removed member got a group message")

        // A non-member's message: an error back, nothing to the members.
        mallorySocket.sendGroupMessage(to: groupId, id: "intruder", text: "let me in")
        let error = try await mallorySocket.waitForFrame("an error for the non-member") { $0.isError && $0.id == "intruder" }
        XCTAssertEqual(error.errorCode, 403)
        let (notFound, _) = try await mallory.api.group(groupId)
        XCTAssertEqual(notFound, 404, "a non-member cannot read the group")
        aliceSocket.sendGroupMessage(to: groupId, id: "marker", text: "after the intruder")
        _ = try await bobSocket.waitForFrame("the marker") { $0.id == "marker" }
        XCTAssertFalse(bobSocket.messages.contains { $0.id == "intruder" })
    }

    func testRolesRenameLeaveAndTheLastAdminPromotingTheOldestMember() async throws {
        let alice = try await Member.login("alice"), bob = try await Member.login("bob"), carol = try await Member.login("carol")
        let bobSocket = try await bob.connect(), carolSocket = try await carol.connect()
        defer { bobSocket.close(); carolSocket.close() }
        let groupId = try await alice.api.create("Club", members: [bob.name, carol.name])

        let (forbidden, refusal) = try await bob.api.call("DELETE", "/groups/\(groupId)/members", ["member": carol.name])
        XCTAssertEqual(forbidden, 403)
        XCTAssertEqual((refusal as? [String: Any])?["status"] as? Bool, false)
        let (notAdmin, _) = try await bob.api.call("POST", "/group/\(groupId)/add", ["members": ["someone"]])
        XCTAssertEqual(notAdmin, 403, "the legacy alias applies the same rules")
        let (tooMany, tooManyAnswer) = try await alice.api.call(
            "POST", "/groups/\(groupId)/members", ["members": (0..<51).map { "user-\($0)" }])
        XCTAssertEqual(tooMany, 400)
        XCTAssertEqual((tooManyAnswer as? [String: Any])?["error"] as? String, "at most 50 members per addition")
        let (again, _) = try await alice.api.call("POST", "/groups/\(groupId)/members", ["members": [bob.name]])
        XCTAssertEqual(again, 200)
        let membersAfterRepeat = try await alice.api.roles(groupId)
        XCTAssertEqual(membersAfterRepeat.count, 3, "adding a member again adds no duplicate")

        let (renamed, _) = try await bob.api.call("PUT", "/groups/\(groupId)", ["name": "Book club"])
        XCTAssertEqual(renamed, 200)
        let update = try await carolSocket.waitForGroupEvent(groupId, action: "update").first
        XCTAssertEqual((update?.object["body"] as? [String: Any])?["name"] as? String, "Book club")

        let (left, _) = try await alice.api.call("POST", "/groups/\(groupId)/leave")
        XCTAssertEqual(left, 200)
        let roles = try await bob.api.roles(groupId)
        XCTAssertEqual(roles, [bob.name: "admin", carol.name: "user"], "the oldest member became admin")
        _ = try await carolSocket.waitForGroupEvent(groupId, action: "promote")
        let (gone, _) = try await alice.api.group(groupId)
        XCTAssertEqual(gone, 404)
        let (nowAdmin, _) = try await bob.api.call("DELETE", "/groups/\(groupId)/members", ["member": carol.name])
        XCTAssertEqual(nowAdmin, 200, "the promoted member may remove others")
    }

    func testGroupChangesSentAsMessagesFollowTheSameRules() async throws {
        let alice = try await Member.login("alice"), bob = try await Member.login("bob"), carol = try await Member.login("carol")
        let aliceSocket = try await alice.connect(), bobSocket = try await bob.connect(), carolSocket = try await carol.connect()
        defer { aliceSocket.close(); bobSocket.close(); carolSocket.close() }
        let groupId = TestStack.uniqueName("offline-made")

        aliceSocket.sendGroupAction(to: groupId, id: "create-1", action: "create", body: ["name": "Made offline", "members": [bob.name]])
        _ = try await bobSocket.waitForGroupEvent(groupId, action: "add")
        let roles = try await bob.api.roles(groupId)
        XCTAssertEqual(roles, [alice.name: "admin", bob.name: "user"])

        bobSocket.sendGroupAction(to: groupId, id: "add-1", action: "add", body: ["members": [carol.name]])
        let refused = try await bobSocket.waitForFrame("an error for a non-admin's add") { $0.isError && $0.id == "add-1" }
        XCTAssertEqual(refused.errorCode, 403)

        aliceSocket.sendGroupAction(to: groupId, id: "add-2", action: "add", body: ["members": [carol.name]])
        _ = try await carolSocket.waitForGroupEvent(groupId, action: "add")
        bobSocket.sendGroupMessage(to: groupId, id: "hello-carol", text: "hi")
        _ = try await carolSocket.waitForFrame("the message after the add") { $0.id == "hello-carol" }
    }

    func testAHundredMemberGroupFanOutReachesEveryMember() async throws {
        let admin = try await Member.login("admin")
        var members: [Member] = []
        for _ in 0..<99 { members.append(try await Member.login("member")) }
        let adminSocket = try await admin.connect()
        var connected: [ChatClient] = []
        for member in members { connected.append(try await member.connect()) }
        let sockets = connected
        defer { adminSocket.close(); sockets.forEach { $0.close() } }

        let groupId = try await admin.api.create("Everyone", members: members.map(\.name))
        let roles = try await admin.api.roles(groupId)
        XCTAssertEqual(roles.count, 100)
        adminSocket.sendGroupMessage(to: groupId, id: "broadcast", text: "hello hundred")
        _ = try await adminSocket.waitForFrame("server ack") { $0.isServerAck && $0.id == "broadcast" }
        try await eventually(timeout: .seconds(60), "every member to get the message") {
            sockets.allSatisfy { socket in socket.messages.contains { $0.id == "broadcast" } }
        }
        for socket in sockets {
            XCTAssertEqual(socket.messages.filter { $0.id == "broadcast" }.count, 1, "\(socket.user) got it once")
        }
        // Every member acked (the clients ack what they get): nothing is left stored.
        for member in members.prefix(10) {
            let (_, object) = try await TestStack.request("GET", "/messages", headers: TestStack.credentials(member.name, member.key))
            XCTAssertFalse((object["messages"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "broadcast" })
        }
    }

    func testTheOlderPathsWorkAndGroupMsInternalRouteIsNotPublic() async throws {
        let alice = try await Member.login("alice"), bob = try await Member.login("bob")
        let (created, answer) = try await alice.api.call("POST", "/group/create", ["name": "Legacy", "members": [bob.name]])
        XCTAssertEqual(created, 200)
        let groupId = try XCTUnwrap((answer as? [String: Any])?["groupId"] as? String)
        let (listed, list) = try await bob.api.call("GET", "/group/get")
        XCTAssertEqual(listed, 200)
        XCTAssertEqual((list as? [[String: Any]])?.compactMap { $0["groupId"] as? String }, [groupId])
        let (shown, group) = try await bob.api.call("GET", "/group/\(groupId)")
        XCTAssertEqual(shown, 200)
        XCTAssertEqual((group as? [String: Any])?["name"] as? String, "Legacy")
        let (removed, removal) = try await alice.api.call("POST", "/group/\(groupId)/remove", ["member": bob.name])
        XCTAssertEqual(removed, 200)
        XCTAssertEqual((removal as? [String: Any])?["status"] as? Bool, true)

        let action: [String: Any] = ["actor": alice.name, "groupId": groupId, "action": "add", "members": ["mallory"]]
        for path in ["/internal/group-actions", "/group/../internal/group-actions", "/groups/%2e%2e/internal/group-actions"] {
            let (status, _) = try await alice.api.call("POST", path, action)
            XCTAssertEqual(status, 404, "\(path) must not reach group-ms's internal route")
        }
        let roles = try await alice.api.roles(groupId)
        XCTAssertEqual(roles, [alice.name: "admin"])
    }

    func testBadGroupRequestsGetClearErrors() async throws {
        let alice = try await Member.login("alice")
        let (unauthenticated, _) = try await GroupAPI(user: alice.name, key: "wrong").call("GET", "/groups")
        XCTAssertEqual(unauthenticated, 401)
        let (wrongType, wrongTypeAnswer) = try await alice.api.call("POST", "/groups", ["name": 7, "members": []])
        XCTAssertEqual(wrongType, 400)
        XCTAssertEqual((wrongTypeAnswer as? [String: Any])?["error"] as? String, "name must be a string")
        let (tooMany, _) = try await alice.api.call("POST", "/groups", ["name": "Big", "members": (0..<101).map { "u\($0)" }])
        XCTAssertEqual(tooMany, 400)
        let (unknown, unknownAnswer) = try await alice.api.call("GET", "/groups/no-such-group")
        XCTAssertEqual(unknown, 404)
        XCTAssertEqual((unknownAnswer as? [String: Any])?["status"] as? Bool, false)
    }
}
