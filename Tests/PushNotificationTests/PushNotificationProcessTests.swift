import Broker
import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import ServiceKit
import TestSupport
import XCTest

@testable import PushNotification

/// The `push-notification` executable as the stack runs it, against the real broker and
/// database, sending to a local server that speaks Google's token and FCM APIs.
final class PushNotificationProcessTests: XCTestCase {
    private struct Harness: Sendable {
        let offlineTopic: String
        let loginTopic: String
        let deadLetterTopic: String
        let databaseName: String
        let database: DocumentStore
        let registry: DeviceRegistry
        let producer: BrokerProducer

        init() async throws {
            let names = try await makeTopics(["offline-message", "new-login", "dead-letter"])
            (offlineTopic, loginTopic, deadLetterTopic) = (names[0], names[1], names[2])
            databaseName = TestStack.uniqueName("push-process")
            database = try DocumentStore(uri: try TestStack.mongoURL())
            registry = DeviceRegistry(collection: database.collection(DeviceRegistry.collectionName, in: databaseName))
            producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        }

        var topicArguments: [String] {
            ["--offline-message-topic", offlineTopic, "--new-login-topic", loginTopic, "--dead-letter-topic", deadLetterTopic]
        }

        func login(_ user: String, _ device: String, token: String, version: Float = 2.1) async throws {
            let event = LoginEvent(user: user, deviceId: device, notificationToken: token, messageVersion: version)
            try await producer.send(topic: loginTopic, key: user, value: event.protobufData(), headers: [TrackId.header("login")])
        }

        func offline(_ message: ChatMessage, for recipient: String, storedCopy: Bool = false) async throws -> ProduceReceipt {
            let headers = storedCopy ? [BrokerHeader(name: RecordHeaders.storedCopy, string: "true")] : []
            return try await producer.enqueue(message, topic: offlineTopic, key: recipient, trackId: "t-\(message.id)", headers: headers)
        }

        func waitForDevices(of user: String, count: Int) async throws {
            try await eventually("\(count) devices of \(user) registered") {
                try await registry.devices(of: user).count == count
            }
        }

        func close() async {
            await producer.close()
            await database.close()
        }
    }

    private static func message(_ id: String, _ type: MessageType = .message, ephemeral: Bool = false) -> ChatMessage {
        ChatMessage(
            id: id, type: type, channel: .individual, ephemeral: ephemeral, source: "alice", destination: "bob",
            content: Data(#"{"text":"hello \#(id)"}"#.utf8), meta: ["chatid": "alice"], serverId: "gw", serverTimestamp: 1)
    }

    func testABurstBecomesOnePushPerDeviceAndOnlyMessagesArePushed() async throws {
        try await FakeGoogle.serve { google in
            let harness = try await Harness()
            let service = try await PushProcess.start(
                google: google, database: harness.databaseName, topicArguments: harness.topicArguments, collapseWindowMs: 2000)
            let deadLetters = try RecordCollector(topics: [harness.deadLetterTopic])
            do {
                try await harness.login("bob", "phone", token: "bob-phone")
                try await harness.login("bob", "tablet", token: "bob-tablet", version: 3)
                try await harness.producer.send(topic: harness.loginTopic, key: "bob", value: Data("not a login".utf8), headers: [])
                try await harness.waitForDevices(of: "bob", count: 2)

                // One burst: three messages, one of them acked late, and what is never pushed.
                let ack = ChatMessage(id: "m2", type: .clientAck, channel: .individual, source: "bob", destination: "server")
                var receipts: [ProduceReceipt] = []
                for message in [Self.message("m1"), Self.message("m2"), Self.message("m3")] {
                    receipts.append(try await harness.offline(message, for: "bob"))
                }
                receipts.append(try await harness.offline(ack, for: "bob"))
                receipts.append(try await harness.offline(Self.message("n1", .notification), for: "bob"))
                receipts.append(try await harness.offline(Self.message("e1", ephemeral: true), for: "bob"))
                receipts.append(try await harness.offline(Self.message("old", ephemeral: false), for: "bob", storedCopy: true))
                receipts.append(try await harness.offline(Self.message("m1"), for: "bob"))
                for receipt in receipts { _ = try await receipt.stored() }
                try await harness.producer.send(topic: harness.offlineTopic, key: "bob", value: Data("garbage".utf8), headers: [])

                try await eventually("a push to each of bob's devices") {
                    !google.sends(to: "bob-phone").isEmpty && !google.sends(to: "bob-tablet").isEmpty
                }
                // A later message proves the burst is over: it is the only other push.
                _ = try await harness.offline(Self.message("m4"), for: "bob").stored()
                try await eventually("the later message pushed to both devices") {
                    google.sends(to: "bob-phone").count >= 2 && google.sends(to: "bob-tablet").count >= 2
                }
                for token in ["bob-phone", "bob-tablet"] {
                    let pushes = google.sends(to: token)
                    XCTAssertEqual(pushes.map(\.messageIds), [["m1", "m3"], ["m4"]], "pushes to \(token)")
                    XCTAssertEqual(pushes.map { $0.data["count"] }, ["2", "1"])
                }
                let phoneBurst = try XCTUnwrap(google.sends(to: "bob-phone").first?.data["message"])
                XCTAssertTrue(phoneBurst.hasPrefix("[{"), "version 2.1 reads JSON frames: \(phoneBurst.prefix(40))")
                let tabletBurst = try XCTUnwrap(google.sends(to: "bob-tablet").first?.data["message"])
                XCTAssertTrue(tabletBurst.hasPrefix("[\""), "version 3 reads base64 protobuf: \(tabletBurst.prefix(40))")

                let parked = try await deadLetters.wait(for: 1, on: harness.deadLetterTopic)
                XCTAssertEqual(parked.map(\.value), [Data("not a login".utf8)], "only the bad login; persistence parks bad messages")
                try await eventually("the metrics to count the work") {
                    let metrics = try await service.get("/metrics").body
                    return metrics.contains("push_sent_total 4") && metrics.contains(#"push_skipped_total{reason="notification"} 1"#)
                        && metrics.contains(#"push_skipped_total{reason="ephemeral"} 1"#)
                        && metrics.contains(#"push_skipped_total{reason="stored-copy"} 1"#)
                        && metrics.contains("push_invalid_records_total 2")
                }
                XCTAssertEqual(google.tokenRequests.count, 1, "one access token for every push")
                let status = try await service.stop()
                XCTAssertEqual(status, 0, service.output)
                XCTAssertFalse(service.output.contains("PRIVATE KEY"), "the key never reaches the log")
            } catch {
                service.kill()
                await deadLetters.close()
                await harness.close()
                throw error
            }
            await deadLetters.close()
            await harness.close()
        }
    }

    func testAnUnregisteredTokenIsRemovedAndTheOtherDevicesStillGetPushes() async throws {
        try await FakeGoogle.serve { google in
            let harness = try await Harness()
            let service = try await PushProcess.start(
                google: google, database: harness.databaseName, topicArguments: harness.topicArguments, collapseWindowMs: 0)
            do {
                try await harness.login("carol", "old-phone", token: "carol-old")
                try await harness.login("carol", "new-phone", token: "carol-new")
                try await harness.waitForDevices(of: "carol", count: 2)
                google.unregister("carol-old")

                _ = try await harness.offline(Self.message("c1"), for: "carol").stored()
                try await eventually("carol's uninstalled app to be forgotten") {
                    try await harness.registry.devices(of: "carol").map(\.device) == ["new-phone"]
                }
                _ = try await harness.offline(Self.message("c2"), for: "carol").stored()
                try await eventually("the second message pushed") { google.sends(to: "carol-new").count == 2 }
                XCTAssertEqual(google.sends(to: "carol-old").count, 1, "a forgotten token gets nothing more")
                XCTAssertEqual(google.sends(to: "carol-new").map(\.messageIds), [["c1"], ["c2"]])
                let metrics = try await service.get("/metrics").body
                XCTAssertTrue(metrics.contains("push_tokens_unregistered_total 1"), metrics)
                let status = try await service.stop()
                XCTAssertEqual(status, 0, service.output)
            } catch {
                service.kill()
                await harness.close()
                throw error
            }
            await harness.close()
        }
    }
}
