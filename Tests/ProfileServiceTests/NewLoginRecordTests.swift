import Broker
import ChatProtocol
import Foundation
import TestSupport
import XCTest

final class NewLoginRecordTests: XCTestCase {
    func testEveryLoginPublishesALoginEventKeyedByUser() async throws {
        let logins = try RecordCollector(topics: ["new-login"])

        let user = TestStack.uniqueName("+33")
        let reply = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/login",
            json: ["username": user, "authToken": "t", "notificationToken": "fcm-123", "deviceId": "pixel", "messageVersion": 2.0])
        XCTAssertEqual(reply.status, 200, reply.text)
        _ = try await TestStack.login(user, device: "laptop")

        try await eventually("both login records of \(user)") { logins.records.filter { $0.key == user }.count >= 2 }
        let records = logins.records.filter { $0.key == user }
        let events = try records.map { try LoginEvent(protobuf: $0.value) }
        XCTAssertEqual(
            events.first, LoginEvent(user: user, deviceId: "pixel", notificationToken: "fcm-123", messageVersion: 2.0))
        XCTAssertEqual(events.last?.deviceId, "laptop")
        XCTAssertEqual(events.last?.messageVersion, 2.1, "messageVersion defaults to 2.1")
        for record in records {
            XCTAssertFalse((record.headers.value(for: "track-id") ?? "").isEmpty, "every record carries a track id")
        }
        await logins.close()
    }
}
