import Broker
import ChatProtocol
import Foundation
import Logging
import Synchronization
import TestSupport
import XCTest

final class NewLoginRecordTests: XCTestCase {
    private final class Received: Sendable {
        let records = Mutex<[ConsumedMessage]>([])
    }

    func testEveryLoginPublishesALoginEventKeyedByUser() async throws {
        var logger = Logger(label: "profile-tests")
        logger.logLevel = .warning
        let consumer = try BrokerConsumer(
            configuration: BrokerConfiguration(bootstrapServers: try TestStack.brokers(), clientId: "profile-tests"),
            groupId: "profile-tests-\(UUID().uuidString)", topics: ["new-login"], logger: logger)
        let received = Received()
        let drain = Task {
            for await record in consumer.messages {
                received.records.withLock { $0.append(record) }
                consumer.resolve(record)
            }
        }
        defer { drain.cancel() }

        let user = TestStack.uniqueUser("+33")
        let reply = try await HTTP.send(
            "POST", try TestStack.publicURL() + "/login",
            json: ["username": user, "authToken": "t", "notificationToken": "fcm-123", "deviceId": "pixel", "messageVersion": 2.0])
        XCTAssertEqual(reply.status, 200, reply.text)
        _ = try await TestStack.login(user, device: "laptop")

        try await eventually("both login records of \(user)") {
            received.records.withLock { records in records.filter { $0.key == user }.count >= 2 }
        }
        let records = received.records.withLock { records in records.filter { $0.key == user } }
        let events = try records.map { try LoginEvent(protobuf: $0.value) }
        XCTAssertEqual(
            events.first, LoginEvent(user: user, deviceId: "pixel", notificationToken: "fcm-123", messageVersion: 2.0))
        XCTAssertEqual(events.last?.deviceId, "laptop")
        XCTAssertEqual(events.last?.messageVersion, 2.1, "messageVersion defaults to 2.1")
        for record in records {
            XCTAssertFalse((record.headers.value(for: "track-id") ?? "").isEmpty, "every record carries a track id")
        }
        await consumer.close(drainTimeout: .seconds(2))
    }
}
