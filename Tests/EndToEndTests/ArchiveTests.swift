import ChatProtocol
import DocumentStore
import Foundation
import TestSupport
import XCTest

/// The archive on the test stack: `stack admin archive-history --older-than 0s` moves every
/// message to the object store, and every conversation reads the same as before through
/// persistence; a `kill -9` of the archiver mid-run loses and repeats nothing.
final class ArchiveTests: XCTestCase {
    static let stackScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Deployment/local/stack")

    /// `stack admin archive-history ARGS` on the test stack (VARTALAP_TEST_STACK_DIR), started.
    static func startArchiver(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = stackScript
        process.arguments = ["admin", "archive-history", "--log-level", "warning"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return (process, output)
    }

    /// Runs it to the end; returns its exit status and output.
    static func archive(_ arguments: [String]) async throws -> (Int32, String) {
        let (process, output) = try startArchiver(arguments)
        let text = try await Task.detached { try output.fileHandleForReading.readToEnd() ?? Data() }.value
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    func testArchivingEverythingLeavesEveryConversationReadableInOrder() async throws {
        let alice = try await HistoryTests.Reader.login("alice"), bob = try await HistoryTests.Reader.login("bob")
        let carol = try await HistoryTests.Reader.login("carol")
        let groupId = try await GroupAPI(user: alice.name, key: alice.key).create("Archive", members: [bob.name, carol.name])
        let socket = try await ChatClient.connect(alice.name, key: alice.key)
        defer { socket.close() }
        let direct = (0..<40).map { "direct-\($0)" }, group = (0..<40).map { "group-\($0)" }
        for id in direct { socket.sendMessage(to: bob.name, id: id, text: id) }
        for id in group { socket.sendGroupMessage(to: groupId, id: id, text: id) }
        try await eventually(timeout: .seconds(60), "the history to hold every message") {
            let directCount = try? await bob.allMessageIds(with: alice.name, pageSize: 100).count
            let groupCount = try? await carol.allMessageIds(with: groupId, pageSize: 100).count
            return directCount == direct.count && groupCount == group.count
        }

        let (status, output) = try await Self.archive(["--older-than", "0s"])
        XCTAssertEqual(status, 0, output)
        let archived = try XCTUnwrap(
            output.split(separator: "\n").first { $0.hasPrefix("archived ") }.flatMap { Int($0.split(separator: " ")[1]) }, output)
        XCTAssertGreaterThanOrEqual(archived, direct.count + group.count, output)

        for (reader, conversation, sent) in [(bob, alice.name, direct), (alice, bob.name, direct), (carol, groupId, group)] {
            for pageSize in [1, 7, 100] {
                let newestFirst = try await reader.allMessageIds(with: conversation, pageSize: pageSize)
                XCTAssertEqual(newestFirst, sent.reversed(), "\(reader.name) reading \(conversation), \(pageSize) at a time")
            }
        }
        let (inboxStatus, inbox) = try await bob.get("/conversations")
        XCTAssertEqual(inboxStatus, 200)
        let lastMessages = (inbox["conversations"] as? [[String: Any]] ?? []).map {
            ($0["id"] as? String, ($0["lastMessage"] as? [String: Any])?["id"] as? String)
        }
        XCTAssertTrue(lastMessages.contains { $0 == (alice.name, direct.last) }, "\(lastMessages)")
        XCTAssertTrue(lastMessages.contains { $0 == (groupId, group.last) }, "\(lastMessages)")

        // New messages after the archive continue the same conversation.
        socket.sendMessage(to: bob.name, id: "after-archive", text: "after")
        try await eventually(timeout: .seconds(30), "the new message in the history") {
            (try? await bob.allMessageIds(with: alice.name, pageSize: 7).first) == "after-archive"
        }
        let all = try await bob.allMessageIds(with: alice.name, pageSize: 7)
        XCTAssertEqual(all, ["after-archive"] + direct.reversed())
    }

    /// 20,000 messages of one conversation, archived 500 to a chunk; the archiver is killed
    /// once it has written ten chunks and run again; the conversation reads exactly as before
    /// (every message once, in order) right after the kill and after the second run.
    func testKillingTheArchiverMidRunLosesAndRepeatsNothing() async throws {
        let alice = try await HistoryTests.Reader.login("alice"), bob = try await HistoryTests.Reader.login("bob")
        let database = try DocumentStore(uri: try TestStack.mongoURL())
        defer { Task { await database.close() } }
        let history = database.collection("history", in: "vartalap")
        let chunks = database.collection("history_chunks", in: "vartalap")
        let conversation = "u:" + [alice.name, bob.name].sorted().joined(separator: "\u{1F}")
        let count = 20_000
        let start = UInt64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let ids = (0..<count).map { String(format: "kill-%05d", $0) }
        // Straight into the history as persistence writes it: sending 20,000 through the
        // stack would test the delivery path, not the archiver.
        for batch in stride(from: 0, to: count, by: 1000) {
            let documents = (batch..<min(batch + 1000, count)).map { index -> Document in
                let at = start + UInt64(index / 10)
                let message = ChatMessage(
                    id: ids[index], type: .message, channel: .individual, source: alice.name, destination: bob.name,
                    content: Data(#"{"text":"\#(index)"}"#.utf8), meta: ["contentType": "TEXT"], serverTimestamp: at,
                    acceptSequence: at * 1000 + UInt64(index % 10))
                return [
                    "_id": .string(conversation + "\u{1F}" + ids[index]), "conversation": .string(conversation), "id": .string(ids[index]),
                    "source": .string(alice.name), "at": .int64(Int64(at)), "seq": .int64(Int64(message.acceptSequence)),
                    "readers": [.string(alice.name), .string(bob.name)],
                    "message": .string(message.protobufData().base64EncodedString()),
                ]
            }
            _ = try await history.insertMany(documents, ordered: false)
        }
        // Reading all 20,000 costs minutes on the local database (a cursor page is a scan
        // there), so before the run only the newest page is read.
        let (status, newest) = try await bob.get("/conversations/\(alice.name)/messages?limit=100")
        XCTAssertEqual(status, 200)
        XCTAssertEqual((newest["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, Array(ids.suffix(100).reversed()))

        let (process, _) = try Self.startArchiver(["--older-than", "0s", "--archive-chunk-messages", "500"])
        try await eventually(timeout: .seconds(300), "the archiver to write ten chunks of the conversation") {
            try await chunks.count(["conversation": .string(conversation)]) >= 10
        }
        XCTAssertEqual(kill(process.processIdentifier, SIGKILL), 0)
        process.waitUntilExit()
        let during = try await bob.allMessageIds(with: alice.name, pageSize: 100)
        XCTAssertEqual(during, ids.reversed(), "read after the kill, before any recovery")

        let (archiveStatus, output) = try await Self.archive(["--older-than", "0s", "--archive-chunk-messages", "500"])
        XCTAssertEqual(archiveStatus, 0, output)
        let left = try await history.count(["conversation": .string(conversation)])
        XCTAssertEqual(left, 0, "everything archived")
        let states = Set(try await chunks.find(["conversation": .string(conversation)]).compactMap { $0["state"]?.stringValue })
        XCTAssertEqual(states, ["archived"])
        let after = try await bob.allMessageIds(with: alice.name, pageSize: 100)
        XCTAssertEqual(after.count, count)
        XCTAssertEqual(after, ids.reversed())
    }
}
