import Foundation
import TestSupport
import XCTest

/// Bad input gets a clear error, the connection survives, and nothing is lost.
final class BadInputTests: XCTestCase {
    func testAnUpgradeWithoutValidCredentialsIsRefused() async throws {
        let user = TestStack.uniqueName("user")
        _ = try await TestStack.login(user)
        do {
            let client = try await ChatClient.connect(user, key: "0000wrong")
            client.close()
            XCTFail("a socket opened with a wrong access key")
        } catch {}
        do {
            let client = try await ChatClient.connect(user, key: nil)
            client.close()
            XCTFail("a socket opened without credentials")
        } catch {}
    }

    func testCookiesCarryCredentialsForBrowsers() async throws {
        let user = TestStack.uniqueName("user")
        let key = try await TestStack.login(user)
        let client = try await ChatClient.connect(user, key: key, useCookies: true)
        defer { client.close() }
        client.sendText("ping")
        try await eventually("pong") { client.rawFrames.contains(Data("pong".utf8)) }
    }

    func testBadFramesGetErrorFramesAndTheConnectionKeepsWorking() async throws {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob"), mallory = TestStack.uniqueName("mallory")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        _ = try await TestStack.login(mallory)
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        let recipient = try await ChatClient.connect(bob, key: bobKey)
        defer { sender.close(); recipient.close() }

        sender.sendText("{not json")
        _ = try await sender.waitForFrame("error for malformed JSON") { $0.isError && $0.errorCode == 400 }

        sender.sendJSON(["_v": 2.1, "id": "spoof-1", "head": ["type": "INDIVIDUAL", "to": bob, "from": mallory, "contentType": "TEXT"], "body": ["text": "it's me"]])
        _ = try await sender.waitForFrame("error for a spoofed sender") { $0.isError && $0.id == "spoof-1" && $0.errorCode == 403 }

        sender.sendJSON(["_v": 2.1, "id": 42, "head": "wrong"])
        _ = try await sender.waitForFrame("error for wrong types") { $0.isError && $0.errorCode == 400 && $0.id == nil }

        sender.sendMessage(to: bob, id: "too-big", text: String(repeating: "x", count: 70_000))
        _ = try await sender.waitForFrame("error for an oversized message") { $0.isError && $0.id == "too-big" && $0.errorCode == 413 }

        sender.sendMessage(to: bob, id: "after-errors", text: "still here")
        _ = try await sender.waitForFrame("server ack after the errors") { $0.isServerAck && $0.id == "after-errors" }
        let received = try await recipient.waitForFrame("the good message") { $0.id == "after-errors" }
        XCTAssertEqual(received.text, "still here")
        XCTAssertFalse(recipient.messages.contains { $0.id == "spoof-1" || $0.id == "too-big" }, "refused messages must not be delivered")
        XCTAssertFalse(sender.frames.contains { $0.isServerAck && $0.id == "spoof-1" }, "a spoofed message is never server-acked")
    }

    func testAHugeFrameClosesOnlyThatSocket() async throws {
        let alice = TestStack.uniqueName("alice")
        let key = try await TestStack.login(alice)
        let victim = try await ChatClient.connect(alice, key: key)
        let bystander = try await ChatClient.connect(alice, key: key)
        defer { bystander.close() }
        victim.sendText(String(repeating: "y", count: 10 << 20))
        try await eventually("the oversized socket to close") { victim.isClosed }
        bystander.sendText("ping")
        try await eventually("the other socket to keep working") { bystander.rawFrames.contains(Data("pong".utf8)) }
    }

    func testAClientAckForAnUnknownIdIsIgnoredSilently() async throws {
        let alice = TestStack.uniqueName("alice")
        let key = try await TestStack.login(alice)
        let client = try await ChatClient.connect(alice, key: key)
        defer { client.close() }
        client.sendJSON(["_v": 2.1, "id": "no-such-message", "head": ["type": "INDIVIDUAL", "to": "server", "contentType": "CLIENT_ACK"]])
        client.sendJSON(["_v": 2.1, "id": "legacy-ack", "head": ["type": "INDIVIDUAL", "to": "server"]])
        client.sendText("ping")
        try await eventually("pong") { client.rawFrames.contains(Data("pong".utf8)) }
        XCTAssertTrue(client.frames.filter(\.isError).isEmpty, "acks never get error frames")
    }
}
