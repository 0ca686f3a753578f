import Foundation
import TestSupport
import XCTest

/// `GET /search` and `GET /pages/{id}/search` on the real stack (PROTOCOL.md "Search"):
/// each user finds exactly what they can read in history.
final class SearchTests: XCTestCase {
    private typealias Reader = HistoryTests.Reader

    /// Every result of `query` for `reader`, page by page (`limit` at a time), as (message id,
    /// conversation id, conversation type).
    private static func allResults(_ reader: Reader, _ path: String = "/search", _ query: String, limit: Int = 50) async throws
        -> [(id: String, conversation: String, type: String)]
    {
        var results: [(id: String, conversation: String, type: String)] = []
        var cursor: String?
        repeat {
            let (status, body) = try await reader.get(
                "\(path)?q=\(escaped(query))&limit=\(limit)" + (cursor.map { "&before=\($0)" } ?? ""))
            XCTAssertEqual(status, 200, "\(body)")
            for result in body["results"] as? [[String: Any]] ?? [] {
                let message = result["message"] as? [String: Any], conversation = result["conversation"] as? [String: Any]
                results.append((message?["id"] as? String ?? "", conversation?["id"] as? String ?? "", conversation?["type"] as? String ?? ""))
            }
            cursor = body["next"] as? String
        } while cursor != nil
        return results
    }

    private static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private static func ids(_ reader: Reader, _ query: String, path: String = "/search") async throws -> [String] {
        try await Self.allResults(reader, path, query).map(\.id)
    }

    func testWordsAcrossConversationsCaseAccentsPrefixAndPaging() async throws {
        let ann = try await Reader.login("ann"), bob = try await Reader.login("bob"), cid = try await Reader.login("cid")
        let annSocket = try await ChatClient.connect(ann.name, key: ann.key)
        let bobSocket = try await ChatClient.connect(bob.name, key: bob.key), cidSocket = try await ChatClient.connect(cid.name, key: cid.key)
        defer { annSocket.close(); bobSocket.close(); cidSocket.close() }
        let sends: [(ChatClient, String, String, String)] = [
            (annSocket, bob.name, "s1", "Meet at the Café tomorrow"), (bobSocket, ann.name, "s2", "cafe closed today"),
            (annSocket, cid.name, "s3", "the CAFÉ reopened"), (cidSocket, bob.name, "s4", "café secret"),
        ]
        for (socket, recipient, id, text) in sends {
            socket.sendMessage(to: recipient, id: id, text: text)
            _ = try await socket.waitForFrame("\(id)'s server ack") { $0.isServerAck && $0.id == id }
        }
        try await eventually("the history to index s4") { try await Self.ids(bob, "secret") == ["s4"] }

        var found = try await Self.allResults(ann, "/search", "cafe")
        XCTAssertEqual(found.map(\.id), ["s3", "s2", "s1"], "newest first, never cid's message to bob")
        XCTAssertEqual(found.map(\.conversation), [cid.name, bob.name, bob.name])
        XCTAssertEqual(Set(found.map(\.type)), ["user"])
        let prefix = try await Self.ids(ann, "CAF")
        XCTAssertEqual(prefix, ["s3", "s2", "s1"], "the last word is a prefix, case-insensitive")
        let twoWords = try await Self.ids(ann, "café tom")
        XCTAssertEqual(twoWords, ["s1"])
        // Prefixes shorter than the indexed three characters: found by reading the caller's
        // messages, not the index, and still only theirs.
        let shortPrefix = try await Self.ids(ann, "Ca")
        XCTAssertEqual(shortPrefix, ["s3", "s2", "s1"])
        let shortAfterAWord = try await Self.ids(ann, "cafe t")
        XCTAssertEqual(shortAfterAWord, ["s3", "s2", "s1"], "the, today, tomorrow")
        let shortNone = try await Self.ids(ann, "se")
        XCTAssertEqual(shortNone, [], "cid's 'secret' is not ann's")
        let accented = try await Self.ids(ann, "reopéned cafe")
        XCTAssertEqual(accented, ["s3"])
        let none = try await Self.ids(ann, "secret")
        XCTAssertEqual(none, [], "another user's message never appears")
        let (_, inBob) = try await ann.get("/search?q=cafe&conversation=\(bob.name)")
        XCTAssertEqual((inBob["results"] as? [[String: Any]])?.map { ($0["message"] as? [String: Any])?["id"] as? String }, ["s2", "s1"])
        let results = (inBob["results"] as? [[String: Any]]) ?? []
        XCTAssertEqual(((results.first?["message"] as? [String: Any])?["body"] as? [String: Any])?["text"] as? String, "cafe closed today")

        // Paging one at a time: the same results, no repeats, no gaps.
        found = try await Self.allResults(ann, "/search", "cafe", limit: 1)
        XCTAssertEqual(found.map(\.id), ["s3", "s2", "s1"])

        // Bad queries and no credentials.
        for bad in ["", "%20%3F", String(repeating: "a", count: 201), "a%20b%20c%20d%20e%20f%20g%20h%20i"] {
            let (status, body) = try await ann.get("/search?q=\(bad)")
            XCTAssertEqual(status, 400, "q=\(bad): \(body)")
        }
        let (missing, _) = try await ann.get("/search")
        XCTAssertEqual(missing, 400)
        let (badCursor, _) = try await ann.get("/search?q=cafe&before=%21%21")
        XCTAssertEqual(badCursor, 400)
        let (anonymous, _) = try await TestStack.request("GET", "/search?q=cafe")
        XCTAssertEqual(anonymous, 401)
    }

    func testAGroupMemberFindsOnlyTheirMembershipWindow() async throws {
        let ann = try await Reader.login("ann"), bob = try await Reader.login("bob"), cid = try await Reader.login("cid")
        let api = GroupAPI(user: ann.name, key: ann.key)
        let groupId = try await api.create("Search window", members: [bob.name])
        let socket = try await ChatClient.connect(ann.name, key: ann.key)
        defer { socket.close() }
        socket.sendGroupMessage(to: groupId, id: "g1", text: "alpha one")
        try await eventually("bob finds the first") { try await Self.ids(bob, "alpha") == ["g1"] }
        let (added, _) = try await api.call("POST", "/groups/\(groupId)/members", ["members": [cid.name]])
        XCTAssertEqual(added, 200)
        socket.sendGroupMessage(to: groupId, id: "g2", text: "alpha two")
        try await eventually("cid finds the second") { try await Self.ids(cid, "alpha") == ["g2"] }
        let (removed, _) = try await api.call("DELETE", "/groups/\(groupId)/members", ["member": bob.name])
        XCTAssertEqual(removed, 200)
        socket.sendGroupMessage(to: groupId, id: "g3", text: "alpha three")
        try await eventually("cid finds the third") { try await Self.ids(cid, "alpha") == ["g3", "g2"] }

        let bobFinds = try await Self.allResults(bob, "/search", "alpha")
        XCTAssertEqual(bobFinds.map(\.id), ["g2", "g1"], "bob finds nothing after his removal")
        XCTAssertEqual(Set(bobFinds.map(\.conversation)), [groupId])
        XCTAssertEqual(Set(bobFinds.map(\.type)), ["group"])
        let annFinds = try await Self.ids(ann, "alpha")
        XCTAssertEqual(annFinds, ["g3", "g2", "g1"])
    }

    func testPageAgentsSearchEveryThreadUsersTheirOwnAndARemovedAgentNothing() async throws {
        let ann = try await Reader.login("ann"), bob = try await Reader.login("bob")
        let uma = try await Reader.login("uma"), vic = try await Reader.login("vic")
        let page = try await PageAPI(ann.name, key: ann.key).create("Search support", moderators: [bob.name])
        let umaSocket = try await ChatClient.connect(uma.name, key: uma.key), vicSocket = try await ChatClient.connect(vic.name, key: vic.key)
        let bobSocket = try await ChatClient.connect(bob.name, key: bob.key)
        defer { umaSocket.close(); vicSocket.close(); bobSocket.close() }
        umaSocket.sendPageMessage(to: page, id: "u1", text: "refund please")
        _ = try await bobSocket.waitForPageFrame("u1")
        vicSocket.sendPageMessage(to: page, id: "v1", text: "refund for me too")
        _ = try await bobSocket.waitForPageFrame("v1")
        bobSocket.sendPageMessage(to: page, id: "b1", text: "refund done", thread: uma.name)
        _ = try await umaSocket.waitForPageFrame("b1")

        try await eventually("the page's search to find all three") {
            try await Self.ids(bob, "refund", path: "/pages/\(page)/search").count == 3
        }
        let agentFinds = try await Self.allResults(bob, "/pages/\(page)/search", "refund")
        XCTAssertEqual(agentFinds.map(\.id), ["b1", "v1", "u1"])
        XCTAssertEqual(agentFinds.map(\.conversation), [uma.name, vic.name, uma.name])
        XCTAssertEqual(Set(agentFinds.map(\.type)), ["thread"])

        let (_, umaBody) = try await uma.get("/search?q=refund")
        let umaResults = umaBody["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(umaResults.map { ($0["message"] as? [String: Any])?["id"] as? String }, ["b1", "u1"], "only uma's own thread")
        XCTAssertEqual(umaResults.first.flatMap { ($0["conversation"] as? [String: Any])?["type"] as? String }, "page")
        XCTAssertEqual(umaResults.first.flatMap { ($0["conversation"] as? [String: Any])?["id"] as? String }, page)
        let answerHead = (umaResults.first?["message"] as? [String: Any])?["head"] as? [String: Any]
        XCTAssertEqual(answerHead?["from"] as? String, page, "the user sees the answer as from the page")

        let (outsider, _) = try await vic.get("/pages/\(page)/search?q=refund")
        XCTAssertEqual(outsider, 404)
        let (removed, _) = try await GroupAPI(user: ann.name, key: ann.key).call("DELETE", "/pages/\(page)/agents/\(bob.name)")
        XCTAssertEqual(removed, 200)
        let (gone, _) = try await bob.get("/pages/\(page)/search?q=refund")
        XCTAssertEqual(gone, 404, "a removed agent no longer finds the page's threads")
        let bobOwn = try await Self.ids(bob, "refund")
        XCTAssertEqual(bobOwn, [], "nor through their own search")
    }

    func testArchivedMessagesStaySearchable() async throws {
        let ann = try await Reader.login("ann"), bob = try await Reader.login("bob")
        let socket = try await ChatClient.connect(ann.name, key: ann.key)
        defer { socket.close() }
        let word = "zebra\(UInt32.random(in: 0...UInt32.max))"
        socket.sendMessage(to: bob.name, id: "old", text: "an old \(word) message")
        try await eventually("bob finds it") { try await Self.ids(bob, word) == ["old"] }
        let (status, output) = try await ArchiveTests.archive(["--older-than", "0s"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("archived "), output)
        let (_, body) = try await bob.get("/search?q=\(word)")
        let message = (body["results"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        XCTAssertEqual(message?["id"] as? String, "old", "\(body)")
        XCTAssertEqual((message?["body"] as? [String: Any])?["text"] as? String, "an old \(word) message", "read from its chunk")
    }
}
