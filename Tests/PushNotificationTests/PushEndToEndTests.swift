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
    private static func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: try TestStack.publicURL() + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    private static func send(
        from user: String, key: String, to recipient: String, id: String, contentType: String, body: [String: Any]? = nil
    ) async throws {
        let frame: [String: Any] = [
            "_v": 2.1, "id": id,
            "head": ["type": "INDIVIDUAL", "to": recipient, "from": user, "contentType": contentType, "chatid": user],
            "body": body ?? ["text": "hello \(id)"],
        ]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: frame), as: UTF8.self)
        let (status, body) = try await post("/send", json: [text], headers: ["user": user, "accesskey": key])
        XCTAssertEqual(status, 201, String(decoding: body, as: UTF8.self))
    }

    func testAMessageToAnOfflineUserIsPushedOncePerDeviceAndANotificationNever() async throws {
        let alice = TestStack.uniqueName("alice")
        let bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice, device: "phone")
        let tokens = ["push-\(bob)-phone", "push-\(bob)-tablet"]

        try await FakeGoogle.serve { google in
            let service = try await PushProcess.start(google: google, database: TestStack.uniqueName("push-e2e"))
            do {
                // Bob logs in only once this instance's consumer group holds `new-login`: the
                // stack's broker-purger deletes records every existing group has read (each
                // second), so logins made before the group existed could be gone before it
                // read them (two full runs waited 120 and 300 s for logins already purged).
                try await eventually(timeout: .seconds(60), "the instance to be assigned new-login") {
                    service.output.contains(#""message":"partitions assigned""#) && service.output.contains("new-login[0]")
                }
                _ = try await TestStack.login(bob, device: "phone", notificationToken: tokens[0])
                _ = try await TestStack.login(bob, device: "tablet", notificationToken: tokens[1])
                // A message handled before bob's logins finds no device to push to, so wait
                // until this instance has registered both. How long it took is printed, and
                // the instance's output when the test fails.
                let started = ContinuousClock.now
                try await eventually(timeout: .seconds(300), "the instance to register bob's devices") {
                    let registered = service.output.split(separator: "\n").filter {
                        $0.contains(#""message":"device registered""#) && $0.contains(#""user":"\#(bob)""#)
                    }
                    return registered.count >= 2
                }
                let logins = service.output.split(separator: "\n").filter { $0.contains(#""message":"device"#) }.count
                print("push instance: bob's devices registered after \(ContinuousClock.now - started), \(logins) logins read")
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
                // A photo: its push says it carries a file, and which.
                let fileId = "0123456789abcdef0123456789abcdef"
                try await Self.send(
                    from: alice, key: aliceKey, to: bob, id: "photo-1", contentType: "IMAGE",
                    body: ["fileId": fileId, "name": "cat.jpg", "contentType": "image/jpeg", "size": 52133])
                try await eventually(timeout: .seconds(30), "the photo pushed to each device") {
                    tokens.allSatisfy { google.sends(to: $0).flatMap(\.messageIds).contains("photo-1") }
                }
                for token in tokens {
                    let photoPush = try XCTUnwrap(google.sends(to: token).first { $0.messageIds == ["photo-1"] })
                    XCTAssertEqual(photoPush.data["attachments"], "1")
                    XCTAssertEqual(photoPush.data["fileId"], fileId)
                    XCTAssertEqual(photoPush.data["mediaType"], "image/jpeg")
                    XCTAssertNil(google.sends(to: token).first { $0.messageIds == ["hello-2"] }?.data["attachments"])
                }
                let status = try await service.stop()
                XCTAssertEqual(status, 0, service.output)
            } catch {
                service.kill()
                print("push instance output, last 30 lines:\n" + service.output.split(separator: "\n").suffix(30).joined(separator: "\n"))
                throw error
            }
        }

        // The stack's own instances (push-notification-1, ...) logged the same pushes.
        let logs = try TestStack.stackDirectory().appendingPathComponent("logs")
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
