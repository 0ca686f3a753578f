import Foundation
import TestSupport
import XCTest

/// Messages sent in one burst, many within the same millisecond, page back from the
/// history in exactly the order the gateway accepted them, one-to-one and in a group, in
/// both directions and at any page size; the inbox's last message is the last one sent.
final class HistoryOrderTests: XCTestCase {
    private static let burst = 200

    func testABurstPagesBackInTheOrderItWasSent() async throws {
        let alice = try await HistoryTests.Reader.login("alice"), bob = try await HistoryTests.Reader.login("bob")
        let carol = try await HistoryTests.Reader.login("carol")
        let groupId = try await GroupAPI(user: alice.name, key: alice.key).create("Order", members: [bob.name, carol.name])
        let socket = try await ChatClient.connect(alice.name, key: alice.key)
        defer { socket.close() }

        let direct = (0..<Self.burst).map { "direct-\($0)" }
        let group = (0..<Self.burst).map { "group-\($0)" }
        for id in direct { socket.sendMessage(to: bob.name, id: id, text: id) }
        for id in group { socket.sendGroupMessage(to: groupId, id: id, text: id) }
        try await eventually(timeout: .seconds(60), "every message to be server-acked") {
            Set(socket.frames.filter(\.isServerAck).compactMap(\.id)).count == direct.count + group.count
        }
        try await eventually(timeout: .seconds(60), "the history to hold every message") {
            let directCount = try? await bob.allMessageIds(with: alice.name, pageSize: 100).count
            let groupCount = try? await carol.allMessageIds(with: groupId, pageSize: 100).count
            return directCount == direct.count && groupCount == group.count
        }

        for (reader, conversation, sent) in [(bob, alice.name, direct), (alice, bob.name, direct), (carol, groupId, group)] {
            for pageSize in [1, 7, 100] {
                let newestFirst = try await reader.allMessageIds(with: conversation, pageSize: pageSize)
                XCTAssertEqual(
                    newestFirst, sent.reversed(), "\(reader.name) reading \(conversation) newest first, \(pageSize) at a time")
                let (cursor, oldestListed) = try await oldestCursor(reader, conversation, pageSize: pageSize)
                let oldestFirst = try await newerIds(reader, conversation, after: cursor, pageSize: pageSize)
                XCTAssertEqual(
                    oldestFirst, Array(sent.drop { $0 != oldestListed }.dropFirst()),
                    "\(reader.name) reading \(conversation) oldest first, \(pageSize) at a time")
            }
        }
        let (status, inbox) = try await bob.get("/conversations")
        XCTAssertEqual(status, 200)
        let lastMessages = (inbox["conversations"] as? [[String: Any]] ?? []).map {
            ($0["id"] as? String, ($0["lastMessage"] as? [String: Any])?["id"] as? String)
        }
        XCTAssertTrue(lastMessages.contains { $0 == (alice.name, direct.last) }, "\(lastMessages)")
        XCTAssertTrue(lastMessages.contains { $0 == (groupId, group.last) }, "\(lastMessages)")
    }

    /// Pages newest first to the end and returns the last `next` cursor given, with the id
    /// of the message it points at (the oldest one of that page).
    private func oldestCursor(
        _ reader: HistoryTests.Reader, _ conversation: String, pageSize: Int
    ) async throws -> (String, String) {
        var cursor: String?
        var last: (String, String)?
        repeat {
            let query = "limit=\(pageSize)" + (cursor.map { "&before=\($0)" } ?? "")
            let (status, body) = try await reader.get("/conversations/\(conversation)/messages?\(query)")
            XCTAssertEqual(status, 200)
            cursor = body["next"] as? String
            if let cursor, let id = (body["messages"] as? [[String: Any]])?.last?["id"] as? String { last = (cursor, id) }
        } while cursor != nil
        return try XCTUnwrap(last, "no page had a next cursor")
    }

    private func newerIds(
        _ reader: HistoryTests.Reader, _ conversation: String, after start: String, pageSize: Int
    ) async throws -> [String] {
        var ids: [String] = []
        var cursor: String? = start
        while let after = cursor {
            let (status, body) = try await reader.get("/conversations/\(conversation)/messages?limit=\(pageSize)&after=\(after)")
            XCTAssertEqual(status, 200)
            ids += (body["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = body["next"] as? String
        }
        return ids
    }
}
