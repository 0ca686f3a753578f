import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import XCTest

/// The per-user rate limit, against a second gateway with a small limit beside the stack's
/// own (whose limit is generous for the load and ordering tests). It shares the stack's
/// broker, database and topics, so its messages flow through the real services.
final class RateLimitTests: XCTestCase {
    private func startLimitedGateway(burst: Int) async throws -> (ServiceProcess, publicPort: Int) {
        let publicPort = try freePort()
        let gateway = try await ServiceProcess.start(
            "ws-gateway",
            arguments: [
                "--app-name", TestStack.uniqueName("ws-gateway-limited"),
                "--kafka-brokers", try TestStack.brokers(), "--mongo-url", try TestStack.mongoURL(),
                "--public-port", "\(publicPort)", "--rate-limit-per-second", "2", "--rate-limit-burst", "\(burst)",
            ])
        addTeardownBlock { gateway.kill() }
        return (gateway, publicPort)
    }

    func testAFloodGetsRateLimitErrorsWhileTheAcceptedMessagesArriveAndTheSocketStaysUp() async throws {
        let (gateway, publicPort) = try await startLimitedGateway(burst: 5)

        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await ChatClient.connect(
            alice, key: aliceKey, url: "ws://127.0.0.1:\(publicPort)/wss/?format=text&ack=true")
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { sender.close(); recipient.close() }

        let flood = (0..<40).map { "flood-\($0)" }
        for id in flood { sender.sendMessage(to: bob, id: id, text: id) }
        try await eventually("an answer to every flooded message") {
            let answered = Set(sender.frames.filter { $0.from == "server" }.compactMap(\.id))
            return answered.isSuperset(of: flood)
        }
        let accepted = sender.frames.filter(\.isServerAck).compactMap(\.id)
        let limited = sender.frames.filter { $0.isError && $0.errorCode == 429 }.compactMap(\.id)
        XCTAssertGreaterThanOrEqual(accepted.count, 5, "the burst is accepted")
        XCTAssertLessThan(accepted.count, flood.count, "the flood is limited")
        XCTAssertEqual(Set(accepted).union(limited), Set(flood), "every message is either accepted or refused with 429")
        XCTAssertTrue(Set(accepted).isDisjoint(with: limited), "no message is both accepted and refused")

        // Nothing accepted is lost, and nothing refused is delivered.
        let delivered = try await recipient.waitForMessages(accepted.count)
        // Server acks may overtake each other; deliveries keep the order of sending.
        XCTAssertEqual(delivered.compactMap(\.id), flood.filter(Set(accepted).contains), "accepted messages arrive in order")

        // Tokens come back: the same socket is usable again once the rate allows. The
        // client paces itself at the allowed rate, as a well-behaved app would.
        var acceptedAfterFlood = false
        for attempt in 1...20 where !acceptedAfterFlood {
            let id = "after-flood-\(attempt)"
            sender.sendMessage(to: bob, id: id, text: "calm again")
            let answer = try await sender.waitForFrame("an answer to \(id)") { $0.from == "server" && $0.id == id }
            acceptedAfterFlood = answer.isServerAck
            if !acceptedAfterFlood { try await Task.sleep(for: .milliseconds(500)) }
        }
        XCTAssertTrue(acceptedAfterFlood, "a message is accepted again after the flood")
        XCTAssertFalse(sender.isClosed, "a rate-limited socket stays open")
        XCTAssertTrue(gateway.output.contains("rate limit"), "violations are logged")
    }

    /// One budget per user: two sockets of one user together get what one would, REST
    /// send then gets 429 from the same budget, and another user on the same gateway keeps
    /// all of theirs.
    func testOneUsersSocketsAndRESTSendShareOneBudgetAndAnotherUserKeepsTheirs() async throws {
        let burst = 10
        let (_, publicPort) = try await startLimitedGateway(burst: burst)
        let limitedURL = "ws://127.0.0.1:\(publicPort)/wss/?format=text&ack=true"
        let alice = TestStack.uniqueName("alice"), carol = TestStack.uniqueName("carol"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), carolKey = try await TestStack.login(carol)
        let bobKey = try await TestStack.login(bob)
        let phone = try await ChatClient.connect(alice, key: aliceKey, url: limitedURL)
        let laptop = try await ChatClient.connect(alice, key: aliceKey, url: limitedURL)
        let other = try await ChatClient.connect(carol, key: carolKey, url: limitedURL)
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { phone.close(); laptop.close(); other.close(); recipient.close() }

        // Each socket alone stays within the burst; together they are twice over it.
        let started = ContinuousClock.now
        let flood = (0..<burst).flatMap { ["phone-\($0)", "laptop-\($0)"] }
        for id in flood { (id.hasPrefix("phone") ? phone : laptop).sendMessage(to: bob, id: id, text: id) }
        try await eventually("an answer to every flooded message") {
            let answered = Set((phone.frames + laptop.frames).filter { $0.from == "server" }.compactMap(\.id))
            return answered.isSuperset(of: flood)
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds) + 1
        let answers = (phone.frames + laptop.frames).filter { $0.from == "server" }
        let accepted = answers.filter(\.isServerAck).compactMap(\.id)
        let limited = answers.filter { $0.isError && $0.errorCode == 429 }.compactMap(\.id)
        XCTAssertGreaterThanOrEqual(accepted.count, burst, "the burst is accepted")
        XCTAssertLessThanOrEqual(
            Double(accepted.count), Double(burst) + 2 * seconds, "both sockets take from one budget: \(accepted)")
        XCTAssertEqual(Set(accepted).union(limited), Set(flood), "every message is either accepted or refused with 429")

        // REST send takes from the same, now empty, budget: refused whole.
        let refused = try await restSend(alice, key: aliceKey, to: bob, ids: ["rest-1"], port: publicPort)
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.body["error"] as? String, "rate limit exceeded: at most 2 messages per second")
        XCTAssertEqual(refused.body["status"] as? Bool, false)

        // carol, on the same gateway, has her whole burst: on her socket, then over REST.
        let carolIds = (0..<(burst - 1)).map { "carol-\($0)" }
        for id in carolIds { other.sendMessage(to: bob, id: id, text: id) }
        try await eventually("carol's messages answered") {
            Set(other.frames.filter { $0.from == "server" }.compactMap(\.id)).isSuperset(of: carolIds)
        }
        XCTAssertEqual(Set(other.frames.filter(\.isServerAck).compactMap(\.id)), Set(carolIds), "carol is not limited by alice")
        let carolREST = try await restSend(carol, key: carolKey, to: bob, ids: ["carol-rest"], port: publicPort)
        XCTAssertEqual(carolREST.status, 201)

        // What was accepted arrives; nothing refused does.
        let expected = Set(accepted + carolIds + ["carol-rest"])
        try await eventually(timeout: .seconds(30), "bob receives every accepted message") {
            Set(recipient.messages.compactMap(\.id)).isSuperset(of: expected)
        }
        try await Task.sleep(for: .milliseconds(500))
        XCTAssertEqual(Set(recipient.messages.compactMap(\.id)), expected, "refused messages are not delivered")
    }

    /// POST /send straight to a gateway's public port (no nginx), one text message per id.
    private func restSend(
        _ user: String, key: String, to recipient: String, ids: [String], port: Int
    ) async throws -> (status: Int, body: [String: Any]) {
        let messages = try ids.map { id in
            let object: [String: Any] = [
                "_v": 2.1, "id": id, "head": ["type": "INDIVIDUAL", "to": recipient, "from": user, "contentType": "TEXT", "chatid": user],
                "body": ["text": id],
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/send")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user", value: user)
        request.headers.add(name: "accesskey", value: key)
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: messages)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let body = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), body)
    }
}
