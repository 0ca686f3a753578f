import ChatProtocol
import Foundation
import TestSupport
import XCTest

/// Hostile input against the live stack, through nginx: garbage of every kind, sent fast,
/// between good messages. Every bad frame gets a clear answer, every good message arrives
/// exactly once, and no service process dies (their pids are the same afterwards).
final class HostileInputTests: XCTestCase {
    static let services = [
        "profile-ms", "ws-gateway", "message-router", "session-ms", "persistence", "push-notification", "group-ms", "group-router",
    ]
    private var pidsBefore: [String: Int32] = [:]

    override func setUp() async throws {
        for service in Self.services { pidsBefore[service] = try StackProcesses.pid(of: service) }
    }

    override func tearDown() async throws {
        for service in Self.services {
            let pid = try StackProcesses.pid(of: service)
            XCTAssertEqual(pid, pidsBefore[service], "\(service) was restarted during the test")
            XCTAssertTrue(try StackProcesses.isRunning(service), "\(service) is not running")
        }
    }

    /// A thousand garbage text frames (broken JSON, wrong types, deep nesting, noise) with
    /// fifty good messages among them: a 400 error frame for each bad one, a server ack and
    /// exactly one delivery, in order, for each good one.
    func testGarbageTextFramesEachGetAnErrorWhileGoodMessagesAllArriveInOrder() async throws {
        let (alice, bob) = (TestStack.uniqueName("alice"), TestStack.uniqueName("bob"))
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await RawWebSocket.connect(try TestStack.webSocketURL(), headers: TestStack.credentials(alice, aliceKey))
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { sender.close(); recipient.close() }

        var random = SplitMix64(seed: 0xBAD_1A9)
        var garbageCount = 0
        var goodIds: [String] = []
        for index in 0..<1050 {
            if index % 21 == 20 {
                let id = "good-\(goodIds.count)"
                goodIds.append(id)
                try await sender.sendText(Array(Self.message(from: alice, to: bob, id: id).utf8))
            } else {
                try await sender.sendText(Array(Self.garbageText(&random).utf8))
                garbageCount += 1
            }
        }
        let expectedAnswers = garbageCount + goodIds.count
        try await eventually(timeout: .seconds(60), "an answer to every frame") {
            sender.dataFrames.count >= expectedAnswers
        }
        let answers = sender.dataFrames.compactMap { Frame(Data($0.payload)) }
        let errors = answers.filter(\.isError)
        XCTAssertEqual(errors.count, garbageCount, "one error frame per garbage frame")
        XCTAssertTrue(errors.allSatisfy { $0.errorCode == 400 }, "garbage is a bad request: \(errors.map(\.errorCode))")
        XCTAssertEqual(Set(answers.filter(\.isServerAck).compactMap(\.id)), Set(goodIds))

        let delivered = try await recipient.waitForMessages(goodIds.count, timeout: .seconds(60))
        XCTAssertEqual(delivered.compactMap(\.id), goodIds, "every good message exactly once, in order")
        XCTAssertFalse(sender.isClosed, "garbage never closes the socket")
    }

    /// Random bytes on a protobuf socket: everything the decoder cannot read gets an error
    /// frame; the good messages between them still arrive.
    func testRandomBinaryFramesGetErrorsAndLoseNothing() async throws {
        let (alice, bob) = (TestStack.uniqueName("alice"), TestStack.uniqueName("bob"))
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await RawWebSocket.connect(
            try TestStack.webSocketURL(format: "binary"), headers: TestStack.credentials(alice, aliceKey))
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { sender.close(); recipient.close() }

        var random = SplitMix64(seed: 0xB17_5EED)
        var undecodable = 0, sent = 0
        var goodIds: [String] = []
        for index in 0..<420 {
            if index % 21 == 20 {
                let id = "binary-good-\(goodIds.count)"
                goodIds.append(id)
                let message = ChatMessage(
                    id: id, type: .message, channel: .individual, source: alice, destination: bob,
                    content: Data(#"{"text":"fine"}"#.utf8), timestamp: 1_700_000_000_000)
                try await sender.sendBinary(Array(message.protobufData()))
            } else {
                let noise = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if (try? ChatMessage(protobuf: Data(noise))) == nil { undecodable += 1 }
                try await sender.sendBinary(noise)
                sent += 1
            }
        }
        let expectedAcks = Set(goodIds), expectedErrors = undecodable
        try await eventually(timeout: .seconds(60), "a server ack for every good message") {
            Set(Self.answers(on: sender).filter { $0.type == .serverAck }.map(\.id)).isSuperset(of: expectedAcks)
        }
        try await eventually(timeout: .seconds(30), "an error for each of the \(undecodable) undecodable frames") {
            Self.answers(on: sender).filter { $0.meta["contentType"] == "ERROR" }.count >= expectedErrors
        }
        XCTAssertGreaterThan(undecodable, sent / 2, "the noise is mostly undecodable, so the test means something")
        let delivered = try await recipient.waitForMessages(goodIds.count, timeout: .seconds(60))
        XCTAssertEqual(delivered.compactMap(\.id).filter { $0.hasPrefix("binary-good-") }, goodIds)
        XCTAssertFalse(sender.isClosed, "noise never closes the socket")
    }

    /// RFC 6455: a text frame that is not UTF-8 fails the connection with 1007. It is never
    /// "repaired" into U+FFFD and delivered; what was sent before it arrives.
    func testInvalidUTF8InATextFrameClosesOnlyThatSocketWith1007() async throws {
        let (alice, bob) = (TestStack.uniqueName("alice"), TestStack.uniqueName("bob"))
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await RawWebSocket.connect(try TestStack.webSocketURL(), headers: TestStack.credentials(alice, aliceKey))
        let bystander = try await ChatClient.connect(alice, key: aliceKey)
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { sender.close(); bystander.close(); recipient.close() }
        // Once one message got through, session-ms knows where bob is: "before" cannot race
        // bob's CONNECTED by way of storage and arrive after "after".
        bystander.sendMessage(to: bob, id: "warm-up", text: "hi")
        _ = try await recipient.waitForFrame("the warm-up message") { $0.id == "warm-up" }

        try await sender.sendText(Array(Self.message(from: alice, to: bob, id: "before-bad-utf8").utf8))
        var invalid = Array(Self.message(from: alice, to: bob, id: "bad-utf8").utf8)
        let text = invalid.firstIndex(of: UInt8(ascii: "@"))!
        invalid.replaceSubrange(text...text, with: [0xC3, 0x28, 0xFF])  // not UTF-8 in any reading
        try await sender.sendText(invalid)
        try await eventually("the socket to be failed with 1007") { sender.closeCode == 1007 }

        bystander.sendMessage(to: bob, id: "after-bad-utf8", text: "still here")
        let delivered = try await recipient.waitForFrame("the bystander's message") { $0.id == "after-bad-utf8" }
        XCTAssertEqual(delivered.text, "still here")
        XCTAssertEqual(
            recipient.messages.compactMap(\.id).filter { $0 != "warm-up" }, ["before-bad-utf8", "after-bad-utf8"],
            "the bad frame is never delivered")
    }

    /// A 10 MB binary frame closes that socket with 1009 (too big), without the gateway
    /// reading it into memory first; another socket of the same user keeps working.
    func testATenMegabyteBinaryFrameClosesThatSocketWith1009() async throws {
        let alice = TestStack.uniqueName("alice")
        let key = try await TestStack.login(alice)
        let sender = try await RawWebSocket.connect(
            try TestStack.webSocketURL(format: "binary"), headers: TestStack.credentials(alice, key))
        let bystander = try await ChatClient.connect(alice, key: key)
        defer { sender.close(); bystander.close() }
        try? await sender.sendBinary([UInt8](repeating: 0x0A, count: 10 << 20))
        try await eventually("the socket to be closed as too big") { sender.closeCode == 1009 || sender.isClosed }
        if let code = sender.closeCode { XCTAssertEqual(code, 1009) }
        bystander.sendText("ping")
        try await eventually("the other socket to keep working") { bystander.rawFrames.contains(Data("pong".utf8)) }
    }

    /// REST send with bad bodies: each gets its status and a JSON reason, and a refused
    /// batch leaves nothing behind (the good message in it is not delivered).
    func testRESTSendRefusesBadBodiesWithClearErrors() async throws {
        let (alice, bob, mallory) = (TestStack.uniqueName("alice"), TestStack.uniqueName("bob"), TestStack.uniqueName("mallory"))
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let credentials = TestStack.credentials(alice, aliceKey)
        let good = Self.message(from: alice, to: bob, id: "rest-good")

        let cases: [(String, Data, [String: String], Int)] = [
            ("no credentials", Self.json([good]), [:], 401),
            ("a wrong key", Self.json([good]), TestStack.credentials(alice, "0000wrong"), 401),
            ("broken JSON", Data("[\"{".utf8), credentials, 400),
            ("an object instead of an array", Data("{\"a\":1}".utf8), credentials, 400),
            ("numbers instead of message strings", Data("[1,2,3]".utf8), credentials, 400),
            ("a message with wrong types", Self.json([#"{"_v":2.1,"id":7,"head":[]}"#]), credentials, 400),
            ("a spoofed sender in a batch", Self.json([good, Self.message(from: mallory, to: bob, id: "rest-spoof")]), credentials, 403),
            ("invalid UTF-8", Data([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D]), credentials, 400),
        ]
        for (what, body, headers, expected) in cases {
            let (status, object) = try await TestStack.request("POST", "/send", body: body, headers: headers)
            XCTAssertEqual(status, expected, what)
            XCTAssertNotNil(object["error"] as? String, "\(what): a reason in the body, got \(object)")
        }
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { recipient.close() }
        let (status, _) = try await TestStack.request(
            "POST", "/send", body: Self.json([Self.message(from: alice, to: bob, id: "rest-after")]), headers: credentials)
        XCTAssertEqual(status, 201)
        _ = try await recipient.waitForFrame("the good message sent after the bad ones") { $0.id == "rest-after" }
        XCTAssertFalse(recipient.messages.contains { $0.id == "rest-good" }, "a refused batch is refused whole")
    }

    // MARK: - input

    static func answers(on socket: RawWebSocket) -> [ChatMessage] {
        socket.dataFrames.compactMap { try? ChatMessage(protobuf: Data($0.payload)) }
    }

    static func message(from sender: String, to recipient: String, id: String) -> String {
        #"{"_v":2.1,"id":"\#(id)","head":{"type":"INDIVIDUAL","to":"\#(recipient)","from":"\#(sender)","contentType":"TEXT","chatid":"\#(sender)"},"body":{"text":"@ \#(id)"}}"#
    }

    static func json(_ items: [String]) -> Data {
        (try? JSONSerialization.data(withJSONObject: items)) ?? Data()
    }

    /// Valid UTF-8 that is never a valid message (and never the text "ping").
    static func garbageText(_ random: inout SplitMix64) -> String {
        let kinds: [(inout SplitMix64) -> String] = [
            { _ in "{not json" },
            { r in String(repeating: "[", count: Int.random(in: 1...5000, using: &r)) },
            { r in #"{"_v":2.1,"id":\#(Int.random(in: 0...9999, using: &r)),"head":"wrong"}"# },
            { _ in #"{"_v":"two","id":"x","head":{"type":"INDIVIDUAL","to":5}}"# },
            { _ in #"{"_v":2.1,"id":"x","head":{"type":"NOPE","to":"someone","contentType":"TEXT"}}"# },
            { _ in "null" },
            { _ in "" },
            { r in String((0..<Int.random(in: 1...300, using: &r)).map { _ in Character(UnicodeScalar(UInt8.random(in: 0x20...0x7E, using: &r))) }) + "\u{1F600}" },
            { _ in #"{"_v":2.1,"id":"x","head":{"type":"INDIVIDUAL","to":"bob","contentType":"TEXT"},"body":"# },
        ]
        return kinds[Int.random(in: 0..<kinds.count, using: &random)](&random)
    }
}
