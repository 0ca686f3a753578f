import Foundation
import TestSupport
import XCTest

/// The per-connection rate limit, against a second gateway with a small limit beside the
/// stack's own (whose limit is generous for the load and ordering tests). It shares the
/// stack's broker, database and topics, so its messages flow through the real services.
final class RateLimitTests: XCTestCase {
    func testAFloodGetsRateLimitErrorsWhileTheAcceptedMessagesArriveAndTheSocketStaysUp() async throws {
        let publicPort = try freePort()
        let gateway = try await ServiceProcess.start(
            "ws-gateway",
            arguments: [
                "--app-name", TestStack.uniqueName("ws-gateway-limited"),
                "--kafka-brokers", try TestStack.brokers(), "--mongo-url", try TestStack.mongoURL(),
                "--public-port", "\(publicPort)", "--rate-limit-per-second", "2", "--rate-limit-burst", "5",
            ])
        addTeardownBlock { gateway.kill() }

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
}
