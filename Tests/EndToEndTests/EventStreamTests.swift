import Foundation
import TestSupport
import XCTest

/// `GET /v1.0/events` through nginx: one more connection of the user, delivering what a
/// socket would, acked through `POST /send`, redelivered when dropped unacked.
final class EventStreamTests: XCTestCase {
    private static func storedIds(of user: String, key: String) async throws -> [String] {
        let (_, object) = try await TestStack.request("GET", "/messages?limit=500", headers: TestStack.credentials(user, key))
        return (object["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    func testAStreamGetsMessagesAsEventsAndItsAckThroughSendStoresNothing() async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let stream = try await EventStreamClient.open(bob, key: bobKey)
        XCTAssertEqual(stream.status, 200)
        XCTAssertEqual(stream.contentType, "text/event-stream")
        try await eventually("the opening comment, unbuffered through nginx") { stream.comments >= 1 }
        // The stream's CONNECTED may trail the message: wait until bob is reachable.
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        defer { sender.close() }
        sender.sendMessage(to: bob, id: "sse-1", text: "over the stream")
        let event = try await stream.waitForEvent("the message event") { $0.messageId == "sse-1" }
        XCTAssertEqual(event.id, "sse-1")
        XCTAssertEqual(event.name, "message")
        let envelope = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
        XCTAssertEqual((envelope["head"] as? [String: Any])?["from"] as? String, alice, "not the socket's JSON 2.1")
        let ackStatus = try await stream.acknowledge("sse-1")
        XCTAssertEqual(ackStatus, 201)
        // Acked: nothing stays stored (a copy that went by way of storage is deleted by the ack).
        try await eventually("no stored copy of an acked message") {
            try await !Self.storedIds(of: bob, key: bobKey).contains("sse-1")
        }
        XCTAssertEqual(stream.events.filter { $0.messageId == "sse-1" }.count, 1, "an acked event came again")
        await stream.drop()
    }

    func testAnUnackedEventIsRedeliveredAfterTheStreamIsDropped() async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let first = try await EventStreamClient.open(bob, key: bobKey)
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        defer { sender.close() }
        sender.sendMessage(to: bob, id: "sse-unacked", text: "ack me later")
        _ = try await first.waitForEvent("the first delivery") { $0.messageId == "sse-unacked" }
        await first.drop()

        let second = try await EventStreamClient.open(bob, key: bobKey)
        let again = try await second.waitForEvent("the redelivery", timeout: .seconds(60)) { $0.messageId == "sse-unacked" }
        XCTAssertEqual(again.name, "message")
        _ = try await second.acknowledge("sse-unacked")
        try await eventually("the stored copy to be deleted by the ack") {
            try await !Self.storedIds(of: bob, key: bobKey).contains("sse-unacked")
        }
        await second.drop()
    }

    /// The test stack sends the keep-alive comment every 2 s (15 s by default).
    func testAnIdleStreamGetsKeepAliveComments() async throws {
        let bob = TestStack.uniqueName("bob")
        let stream = try await EventStreamClient.open(bob, key: try await TestStack.login(bob))
        try await eventually("the opening comment") { stream.comments >= 1 }
        let opened = ContinuousClock.now
        try await eventually(timeout: .seconds(10), "two keep-alive comments") { stream.comments >= 3 }
        XCTAssertGreaterThan(ContinuousClock.now - opened, .seconds(3), "keep-alive comments came faster than every 2 s")
        XCTAssertTrue(stream.events.isEmpty)
        await stream.drop()
    }

    func testAStreamNeedsCredentials() async throws {
        let anonymous = try await EventStreamClient.open("nobody", key: nil)
        XCTAssertEqual(anonymous.status, 401)
        await anonymous.drop()
        let user = TestStack.uniqueName("carol")
        let wrongKey = try await EventStreamClient.open(user, key: "not-a-key")
        XCTAssertEqual(wrongKey.status, 401)
        await wrongKey.drop()
    }
}
