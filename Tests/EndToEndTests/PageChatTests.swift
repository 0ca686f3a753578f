import ChatProtocol
import Foundation
import TestSupport
import XCTest

/// Messages to a page and its agents' inbox on the real stack (PROTOCOL.md "Messages to a
/// page", "The page's inbox"): ann is the page's admin, bob and cid its moderators, uma and
/// vic users who write to it.
final class PageChatTests: XCTestCase {
    private struct People {
        let ann: HistoryTests.Reader, bob: HistoryTests.Reader, cid: HistoryTests.Reader
        let uma: HistoryTests.Reader, vic: HistoryTests.Reader
        let page: String

        static func make(hideAgents: Bool = false) async throws -> People {
            let ann = try await HistoryTests.Reader.login("ann"), bob = try await HistoryTests.Reader.login("bob")
            let cid = try await HistoryTests.Reader.login("cid"), uma = try await HistoryTests.Reader.login("uma")
            let vic = try await HistoryTests.Reader.login("vic")
            let page = try await PageAPI(ann.name, key: ann.key).create("Acme support", moderators: [bob.name, cid.name])
            return People(ann: ann, bob: bob, cid: cid, uma: uma, vic: vic, page: page)
        }

        func api(_ reader: HistoryTests.Reader) -> PageAPI { PageAPI(reader.name, key: reader.key) }

        func connect(_ reader: HistoryTests.Reader, format: String = "text") async throws -> ChatClient {
            try await ChatClient.connect(reader.name, key: reader.key, format: format)
        }
    }

    func testAUsersMessageReachesEveryAgentAndAnAnswerTheUserAndTheOtherAgents() async throws {
        let people = try await People.make()
        let (page, uma, bob) = (people.page, people.uma.name, people.bob.name)
        let annSocket = try await people.connect(people.ann), bobSocket = try await people.connect(people.bob)
        let umaSocket = try await people.connect(people.uma)
        defer { annSocket.close(); bobSocket.close(); umaSocket.close() }

        // cid is offline: the copies wait for him.
        umaSocket.sendPageMessage(to: page, id: "p1", text: "my card was charged twice")
        for agent in [annSocket, bobSocket] {
            let (frame, head) = try await agent.waitForPageFrame("p1")
            XCTAssertEqual(frame.from, uma)
            XCTAssertEqual(frame.to, page)
            XCTAssertEqual(head["type"] as? String, "PAGE")
            XCTAssertEqual(head["thread"] as? String, uma)
            XCTAssertEqual(frame.text, "my card was charged twice")
        }
        _ = try await umaSocket.waitForFrame("p1's server ack") { $0.isServerAck && $0.id == "p1" }

        bobSocket.sendPageMessage(to: page, id: "a1", text: "refunded", thread: uma)
        let (toUser, userHead) = try await umaSocket.waitForPageFrame("a1")
        XCTAssertEqual(toUser.from, page, "the user hears the page")
        XCTAssertEqual(toUser.to, uma)
        XCTAssertEqual(userHead["agent"] as? String, bob)
        XCTAssertEqual(userHead["type"] as? String, "PAGE")
        XCTAssertNil(userHead["thread"])
        let (toAnn, annHead) = try await annSocket.waitForPageFrame("a1")
        XCTAssertEqual(toAnn.from, bob, "agents see who answered")
        XCTAssertEqual(annHead["thread"] as? String, uma)

        let cidSocket = try await people.connect(people.cid)
        defer { cidSocket.close() }
        _ = try await cidSocket.waitForPageFrame("p1")
        let (late, lateHead) = try await cidSocket.waitForPageFrame("a1")
        XCTAssertEqual(late.from, bob)
        XCTAssertEqual(lateHead["thread"] as? String, uma)
        XCTAssertNil(bobSocket.pageFrame("a1"), "the answering agent gets no copy of their own answer")

        // Before the page hides its agents, the history names bob as the user received it.
        let userHistory = try await eventuallyIds(people.uma, "/conversations/\(page)/messages", count: 2)
        XCTAssertEqual(userHistory.map { $0["id"] as? String }, ["a1", "p1"])
        XCTAssertEqual((userHistory[0]["head"] as? [String: Any])?["agent"] as? String, bob)
        XCTAssertEqual((userHistory[0]["head"] as? [String: Any])?["from"] as? String, page)

        let (status, _) = try await people.api(people.ann).api.call("PUT", "/pages/\(page)", ["hideAgents": true])
        XCTAssertEqual(status, 200)
        bobSocket.sendPageMessage(to: page, id: "a2", text: "anything else?", thread: uma)
        let (hidden, hiddenHead) = try await umaSocket.waitForPageFrame("a2")
        XCTAssertEqual(hidden.from, page)
        XCTAssertNil(hiddenHead["agent"], "hideAgents leaves the agent out")
        _ = try await cidSocket.waitForPageFrame("a2")

        // The user's inbox lists the page; the thread's history is the user's view, the
        // agents' inbox the agents' view.
        let (_, inbox) = try await people.uma.get("/conversations")
        let listed = (inbox["conversations"] as? [[String: Any]] ?? []).first { $0["id"] as? String == page }
        XCTAssertEqual(listed?["type"] as? String, "page", "\(inbox)")
        let lastHead = (listed?["lastMessage"] as? [String: Any])?["head"] as? [String: Any]
        XCTAssertEqual(lastHead?["from"] as? String, page)
        let agentView = try await eventuallyIds(people.cid, "/pages/\(page)/threads/\(uma)/messages", count: 3)
        XCTAssertEqual(agentView.map { $0["id"] as? String }, ["a2", "a1", "p1"])
        XCTAssertEqual(agentView.map { ($0["head"] as? [String: Any])?["from"] as? String }, [bob, bob, uma])
        let userView = try await eventuallyIds(people.uma, "/conversations/\(page)/messages", count: 3)
        XCTAssertEqual(userView.map { ($0["head"] as? [String: Any])?["from"] as? String }, [page, page, uma])
        XCTAssertTrue(userView.allSatisfy { ($0["head"] as? [String: Any])?["agent"] == nil }, "hidden agents stay hidden in history")
    }

    func testTheInboxListsThreadsMarksTheUnansweredAndAssigns() async throws {
        let people = try await People.make()
        let (page, uma, vic) = (people.page, people.uma.name, people.vic.name)
        let umaSocket = try await people.connect(people.uma), vicSocket = try await people.connect(people.vic)
        let bobSocket = try await people.connect(people.bob)
        defer { umaSocket.close(); vicSocket.close(); bobSocket.close() }
        let admin = people.api(people.ann)

        umaSocket.sendPageMessage(to: page, id: "u1", text: "hello from uma")
        _ = try await bobSocket.waitForPageFrame("u1")
        vicSocket.sendPageMessage(to: page, id: "v1", text: "hello from vic")
        _ = try await bobSocket.waitForPageFrame("v1")
        var threads = try await eventuallyThreads(admin, page, "both threads, vic's newest") {
            $0.map { $0["user"] as? String } == [vic, uma]
        }
        XCTAssertEqual(threads.map { $0["unanswered"] as? Bool }, [true, true])
        XCTAssertEqual(((threads[0]["lastMessage"] as? [String: Any])?["body"] as? [String: Any])?["text"] as? String, "hello from vic")
        XCTAssertTrue(threads[0]["assignee"] is NSNull)

        bobSocket.sendPageMessage(to: page, id: "b1", text: "hi vic", thread: vic)
        _ = try await vicSocket.waitForPageFrame("b1")
        threads = try await eventuallyThreads(admin, page, "vic's thread answered") {
            $0.first { $0["user"] as? String == vic }?["unanswered"] as? Bool == false
        }
        XCTAssertEqual(threads.first { $0["user"] as? String == uma }?["unanswered"] as? Bool, true)

        // Paging: one thread a page, no repeat, no gap.
        let (_, first, next) = try await admin.threads(page, query: "?limit=1")
        let cursor = try XCTUnwrap(next)
        let (_, second, end) = try await admin.threads(page, query: "?limit=1&before=\(cursor)")
        XCTAssertEqual((first + second).map { $0["user"] as? String }, [vic, uma])
        XCTAssertNil(end)

        // Assignment: to an agent, not to anyone else, and back to nobody.
        var (status, json) = try await admin.api.call("POST", "/pages/\(page)/threads/\(uma)/assign", ["assignee": people.cid.name])
        XCTAssertEqual(status, 200, "\(String(describing: json))")
        XCTAssertEqual((json as? [String: Any])?["assignee"] as? String, people.cid.name)
        threads = try await admin.threads(page).threads
        XCTAssertEqual(threads.first { $0["user"] as? String == uma }?["assignee"] as? String, people.cid.name)
        (status, _) = try await admin.api.call("POST", "/pages/\(page)/threads/\(uma)/assign", ["assignee": vic])
        XCTAssertEqual(status, 400, "a user is no assignee")
        (status, _) = try await admin.api.call("POST", "/pages/\(page)/threads/\(uma)/assign", [:])
        XCTAssertEqual(status, 400, "assignee is required")
        (status, json) = try await admin.api.call("POST", "/pages/\(page)/threads/\(uma)/assign", ["assignee": NSNull()])
        XCTAssertEqual(status, 200)
        XCTAssertTrue((json as? [String: Any])?["assignee"] is NSNull)
        (status, _) = try await admin.api.call("POST", "/pages/\(page)/threads/\(people.cid.name)/assign", ["assignee": NSNull()])
        XCTAssertEqual(status, 404, "no such thread")

        // Non-agents are told nothing, on every inbox route; a user reads only their own thread.
        for outsider in [people.uma, people.vic] {
            let api = people.api(outsider)
            let listing = try await api.threads(page).status
            let umaThread = try await api.threadMessages(page, user: uma).status
            let vicThread = try await api.threadMessages(page, user: vic).status
            XCTAssertEqual([listing, umaThread, vicThread], [404, 404, 404], outsider.name)
            (status, _) = try await api.api.call("POST", "/pages/\(page)/threads/\(uma)/assign", ["assignee": NSNull()])
            XCTAssertEqual(status, 404)
        }
        let (unauthenticated, _) = try await TestStack.request("GET", "/pages/\(page)/threads")
        XCTAssertEqual(unauthenticated, 401)
        let umaOwn = try await eventuallyIds(people.uma, "/conversations/\(page)/messages", count: 1)
        XCTAssertEqual(umaOwn.map { $0["id"] as? String }, ["u1"])
        let vicOwn = try await eventuallyIds(people.vic, "/conversations/\(page)/messages", count: 2)
        XCTAssertEqual(vicOwn.map { $0["id"] as? String }, ["b1", "v1"])
    }

    func testARemovedModeratorGetsNothingFromTheNextMessageOn() async throws {
        let people = try await People.make()
        let (page, uma) = (people.page, people.uma.name)
        let umaSocket = try await people.connect(people.uma), annSocket = try await people.connect(people.ann)
        let cidSocket = try await people.connect(people.cid)
        defer { umaSocket.close(); annSocket.close(); cidSocket.close() }

        umaSocket.sendPageMessage(to: page, id: "before", text: "one")
        _ = try await cidSocket.waitForPageFrame("before")
        let (status, _) = try await people.api(people.ann).api.call("DELETE", "/pages/\(page)/agents/\(people.cid.name)")
        XCTAssertEqual(status, 200)

        umaSocket.sendPageMessage(to: page, id: "after", text: "two")
        _ = try await annSocket.waitForPageFrame("after")
        // cid's answer comes after "after" on the page's partition: its refusal is the mark
        // that "after" was routed with cid gone.
        cidSocket.sendPageMessage(to: page, id: "cid-answer", text: "still here?", thread: uma)
        let refusal = try await cidSocket.waitForFrame("the former moderator's refusal") { $0.isError && $0.id == "cid-answer" }
        XCTAssertEqual(refusal.errorCode, 403)
        XCTAssertNil(cidSocket.pageFrame("after"), "a removed moderator gets no copy")
        XCTAssertNil(umaSocket.pageFrame("cid-answer"))
        let listing = try await people.api(people.cid).threads(page).status
        let thread = try await people.api(people.cid).threadMessages(page, user: uma).status
        XCTAssertEqual([listing, thread], [404, 404], "a removed moderator has no inbox")
    }

    func testRefusalsReceiptsAndTypingAndEveryEnvelope() async throws {
        let people = try await People.make()
        let page = people.page
        let umaSocket = try await people.connect(people.uma), annSocket = try await people.connect(people.ann)
        let vicBinary = try await ChatClient.connect(people.vic.name, key: people.vic.key, format: "binary")
        defer { umaSocket.close(); annSocket.close(); vicBinary.close() }

        // A user may not answer someone else's thread; an unknown page is 404.
        umaSocket.sendPageMessage(to: page, id: "spoof", text: "as an agent", thread: people.vic.name)
        var refusal = try await umaSocket.waitForFrame("a non-agent's answer refused") { $0.isError && $0.id == "spoof" }
        XCTAssertEqual(refusal.errorCode, 403)
        umaSocket.sendPageMessage(to: "~p" + String(repeating: "0", count: 32), id: "nowhere", text: "hello?")
        refusal = try await umaSocket.waitForFrame("an unknown page") { $0.isError && $0.id == "nowhere" }
        XCTAssertEqual(refusal.errorCode, 404)
        umaSocket.sendPageMessage(to: people.ann.name, id: "not-a-page", text: "hello?")
        refusal = try await umaSocket.waitForFrame("a username is no page") { $0.isError && $0.id == "not-a-page" }
        XCTAssertEqual(refusal.errorCode, 404)

        // A receipt and a typing notice travel to the agents and are not kept.
        umaSocket.sendJSON([
            "_v": 2.1, "id": "receipt",
            "head": ["type": "PAGE", "to": page, "contentType": "NOTIFICATION", "action": "state"],
            "body": ["state": "read", "ids": ["x"]],
        ])
        umaSocket.sendJSON([
            "_v": 2.1, "id": "typing", "head": ["type": "PAGE", "to": page, "contentType": "TEXT", "ephemeral": true],
            "body": ["typing": true],
        ])
        _ = try await annSocket.waitForPageFrame("receipt")
        _ = try await annSocket.waitForPageFrame("typing")

        // Version 1 JSON and protobuf reach the page too.
        umaSocket.sendJSON(["msgId": "v1", "from": people.uma.name, "to": page, "chatType": "PAGE", "type": "TEXT", "text": "old app"])
        let binary = ChatMessage(
            id: "pb", type: .message, channel: .page, source: people.vic.name, destination: page,
            content: Data(#"{"text":"from protobuf"}"#.utf8), timestamp: 1_700_000_000_000)
        vicBinary.sendBinary(binary.protobufData())
        let (old, oldHead) = try await annSocket.waitForPageFrame("v1")
        XCTAssertEqual(oldHead["thread"] as? String, people.uma.name)
        XCTAssertEqual(old.text, "old app")
        let (_, binaryHead) = try await annSocket.waitForPageFrame("pb")
        XCTAssertEqual(binaryHead["thread"] as? String, people.vic.name)
        annSocket.sendPageMessage(to: page, id: "to-pb", text: "hello protobuf", thread: people.vic.name)
        try await eventually("the answer as protobuf") {
            vicBinary.rawFrames.contains { (try? ChatMessage(protobuf: $0))?.id == "to-pb" }
        }
        let answer = try XCTUnwrap(vicBinary.rawFrames.compactMap { try? ChatMessage(protobuf: $0) }.first { $0.id == "to-pb" })
        XCTAssertEqual(answer.channel, .page)
        XCTAssertEqual(answer.source, page)
        XCTAssertEqual(answer.meta["agent"], people.ann.name)

        let kept = try await eventuallyIds(people.ann, "/pages/\(page)/threads/\(people.uma.name)/messages", count: 1)
        XCTAssertEqual(kept.map { $0["id"] as? String }, ["v1"], "receipts and ephemeral messages are not kept")
    }

    func testKillingTheRouterOfPageMessagesLosesNoServerAckedMessage() async throws {
        let people = try await People.make()
        let page = people.page
        let agents = [try await people.connect(people.ann), try await people.connect(people.bob)]
        let users = [try await people.connect(people.uma), try await people.connect(people.vic)]
        defer { (agents + users).forEach { $0.close() } }

        let perUser = 120
        func send(_ range: Range<Int>) {
            for index in range { for (number, user) in users.enumerated() { user.sendPageMessage(to: page, id: "k\(number)-\(index)", text: "\(index)") } }
        }
        send(0..<perUser / 2)
        try await eventually("some page messages delivered before the crash") { !agents[0].messages.isEmpty }
        let victim = try StackProcesses.killHard("group-router")
        send(perUser / 2..<perUser)
        try await StackProcesses.waitForRestart(of: "group-router", replacing: victim)

        try await eventually(timeout: .seconds(90), "every server-acked page message at both agents") {
            let acked = Set(users.flatMap { $0.frames.filter(\.isServerAck).compactMap(\.id) })
            guard acked.count == perUser * users.count else { return false }
            return agents.allSatisfy { acked.isSubset(of: Set($0.messages.compactMap(\.id))) }
        }
        let ids = agents[0].messages.compactMap(\.id)
        print("kill -9 group-router: \(perUser * users.count) page messages, \(ids.count - Set(ids).count) duplicates at one agent")
    }

    /// The messages a GET answers once it lists `count` of them (the history is written
    /// behind delivery).
    private func eventuallyIds(_ reader: HistoryTests.Reader, _ path: String, count: Int) async throws -> [[String: Any]] {
        try await eventually("\(count) messages at \(path)") {
            let (status, body) = try await reader.get(path)
            return status == 200 && (body["messages"] as? [Any])?.count == count
        }
        return try await reader.get(path).1["messages"] as? [[String: Any]] ?? []
    }

    private func eventuallyThreads(
        _ api: PageAPI, _ page: String, _ what: String, until done: @escaping @Sendable ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        try await eventually(what) { done(try await api.threads(page).threads) }
        return try await api.threads(page).threads
    }
}
