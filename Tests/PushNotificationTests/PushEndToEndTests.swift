import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import XCTest

/// Through the running test stack: users log in at the public URL, alice sends to bob,
/// who is offline, and bob's devices get pushes. The stack's own push-notification logs
/// its pushes (`--push-provider log`); a second instance, in its own consumer group and
/// database, sends through FCM to a local fake so every push can be counted.
final class PushEndToEndTests: XCTestCase {
    struct StackFailure: Error, CustomStringConvertible {
        let description: String
    }

    private static func publicURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["VARTALAP_TEST_PUBLIC_URL"], !url.isEmpty else {
            throw StackFailure(description: "VARTALAP_TEST_PUBLIC_URL is not set: run the tests with Deployment/local/stack test")
        }
        return url
    }

    private static func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: try publicURL() + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    /// Logs in with the dev identity provider; returns the access key.
    private static func login(_ user: String, device: String, token: String) async throws -> String {
        let (status, body) = try await post(
            "/login", json: ["username": user, "authToken": "dev", "notificationToken": token, "deviceId": device])
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        guard status == 200, let key = object?["accesskey"] as? String else {
            throw StackFailure(description: "login of \(user) failed: \(status) \(String(decoding: body, as: UTF8.self))")
        }
        return key
    }

    private static func send(from user: String, key: String, to recipient: String, id: String, contentType: String) async throws {
        let frame: [String: Any] = [
            "_v": 2.1, "id": id,
            "head": ["type": "INDIVIDUAL", "to": recipient, "from": user, "contentType": contentType, "chatid": user],
            "body": ["text": "hello \(id)"],
        ]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: frame), as: UTF8.self)
        let (status, body) = try await post("/send", json: [text], headers: ["user": user, "accesskey": key])
        XCTAssertEqual(status, 201, String(decoding: body, as: UTF8.self))
    }

    func testAMessageToAnOfflineUserIsPushedOncePerDeviceAndANotificationNever() async throws {
        let alice = TestEnvironment.uniqueName("alice")
        let bob = TestEnvironment.uniqueName("bob")
        let aliceKey = try await Self.login(alice, device: "phone", token: "push-\(alice)")
        let tokens = ["push-\(bob)-phone", "push-\(bob)-tablet"]
        _ = try await Self.login(bob, device: "phone", token: tokens[0])
        _ = try await Self.login(bob, device: "tablet", token: tokens[1])

        try await FakeGoogle.serve { google in
            let service = try await PushProcess.start(google: google, database: TestEnvironment.uniqueName("push-e2e"))
            do {
                // This instance's new consumer group starts at the oldest record of the stack's
                // shared topics and reads logins and offline messages side by side. A message
                // handled before bob's logins finds no device to push to, so wait until this
                // instance has registered both (a full run once lost that race).
                try await eventually(timeout: .seconds(120), "the instance to register bob's devices") {
                    let registered = service.output.split(separator: "\n").filter {
                        $0.contains(#""message":"device registered""#) && $0.contains(#""user":"\#(bob)""#)
                    }
                    return registered.count >= 2
                }
                try await Self.send(from: alice, key: aliceKey, to: bob, id: "hello-1", contentType: "TEXT")
                // It may still be working through every earlier test's offline messages (a 30 s
                // limit was once too short in a full run).
                try await eventually(timeout: .seconds(120), "a push to each of bob's devices") {
                    tokens.allSatisfy { !google.sends(to: $0).isEmpty }
                }
                // A receipt, then a message: the message's push shows the receipt was skipped.
                try await Self.send(from: alice, key: aliceKey, to: bob, id: "receipt-1", contentType: "NOTIFICATION")
                try await Self.send(from: alice, key: aliceKey, to: bob, id: "hello-2", contentType: "TEXT")
                try await eventually(timeout: .seconds(30), "the second message pushed to each device") {
                    tokens.allSatisfy { google.sends(to: $0).flatMap(\.messageIds).contains("hello-2") }
                }
                for token in tokens {
                    let pushes = google.sends(to: token)
                    XCTAssertEqual(pushes.map(\.messageIds), [["hello-1"], ["hello-2"]], "exactly one push per message to \(token)")
                    let frame = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(pushes.first?.data["message"]).utf8))
                    XCTAssertEqual((frame as? [String: Any])?["from"] as? String, alice)
                }
                let status = try await service.stop()
                XCTAssertEqual(status, 0, service.output)
            } catch {
                service.kill()
                throw error
            }
        }

        // The stack's own instances (push-notification-1, ...) logged the same pushes.
        let stackDirectory = try XCTUnwrap(ProcessInfo.processInfo.environment["VARTALAP_TEST_STACK_DIR"])
        let logs = URL(fileURLWithPath: stackDirectory).appendingPathComponent("logs")
        try await eventually("the stack's push-notification to log bob's pushes") {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? [])
                .filter { $0.hasPrefix("push-notification-") && $0.hasSuffix(".log") }
            let lines = files.flatMap { file in
                ((try? String(contentsOf: logs.appendingPathComponent(file), encoding: .utf8)) ?? "").split(separator: "\n")
            }
            return lines.filter { $0.contains("log provider") && $0.contains(#""user":"\#(bob)""#) }.count >= 4
        }
    }
}
