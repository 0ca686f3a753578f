import Broker
import ChatProtocol
import Contracts
import Foundation
import ServiceKit
import XCTest

@testable import PushNotification

/// Which records lead to a push, as Docs/RECORDS.md describes `offline-message` and `new-login`.
final class PushEventTests: XCTestCase {
    private static let loginTopic = "new-login"

    private func offline(_ message: ChatMessage, key: String? = "bob", headers: [BrokerHeader] = []) -> PushEvent {
        PushEvent(topic: "offline-message", key: key, value: message.protobufData(), headers: headers, newLoginTopic: Self.loginTopic)
    }

    private func message(_ id: String, _ type: MessageType = .message, ephemeral: Bool = false, channel: MessageChannel = .individual) -> ChatMessage {
        ChatMessage(
            id: id, type: type, channel: channel, ephemeral: ephemeral, source: "alice",
            destination: channel == .group ? "group-1" : "bob", content: Data(#"{"text":"hi"}"#.utf8))
    }

    func testAMessageIsPushedToTheRecipientTheKeyNames() {
        let chat = message("m1")
        XCTAssertEqual(offline(chat), .push(recipient: "bob", chat))
        let groupCopy = message("g1", channel: .group)
        XCTAssertEqual(offline(groupCopy, key: "carol"), .push(recipient: "carol", groupCopy), "a group copy is for the member in the key")
        let custom = message("c1", .custom)
        XCTAssertEqual(offline(custom), .push(recipient: "bob", custom))
    }

    func testNotificationsEphemeralMessagesAndStoredCopiesAreNotPushed() {
        XCTAssertEqual(offline(message("n1", .notification)), .skip(.notification))
        XCTAssertEqual(offline(message("e1", ephemeral: true)), .skip(.ephemeral))
        XCTAssertEqual(offline(message("s1", .serverAck)), .skip(.notAMessage))
        XCTAssertEqual(
            offline(message("r1"), headers: [BrokerHeader(name: RecordHeaders.storedCopy, string: "true")]), .skip(.storedCopy))
    }

    func testALateAckNamesTheRecipientAndTheMessage() {
        let ack = ChatMessage(id: "m1", type: .clientAck, channel: .individual, source: "bob", destination: ChatMessage.serverUser)
        XCTAssertEqual(offline(ack), .acknowledged(recipient: "bob", id: "m1"))
    }

    func testBadOfflineRecordsAreInvalid() {
        XCTAssertEqual(
            PushEvent(topic: "offline-message", key: "bob", value: Data("garbage".utf8), headers: [], newLoginTopic: Self.loginTopic),
            .invalid("undecodable message"))
        XCTAssertEqual(offline(message("")), .invalid("message without id"))
        XCTAssertEqual(offline(message("m1"), key: nil), .invalid("missing recipient key"))
        let anonymousAck = ChatMessage(id: "m1", type: .clientAck, channel: .individual, source: "", destination: "server")
        XCTAssertEqual(offline(anonymousAck), .invalid("client ack without source"))
    }

    func testALoginGetsTheDefaultsProfileMsApplies() {
        func login(_ event: LoginEvent) -> PushEvent {
            PushEvent(topic: Self.loginTopic, key: event.user, value: event.protobufData(), headers: [], newLoginTopic: Self.loginTopic)
        }
        let full = LoginEvent(user: "bob", deviceId: "pixel", notificationToken: "t1", messageVersion: 3)
        XCTAssertEqual(login(full), .login(full))
        XCTAssertEqual(
            login(LoginEvent(user: "bob", deviceId: "", notificationToken: "t1", messageVersion: 0)),
            .login(LoginEvent(user: "bob", deviceId: "default", notificationToken: "t1", messageVersion: 2.1)))
        XCTAssertEqual(login(LoginEvent(user: "", deviceId: "d", notificationToken: "t", messageVersion: 2.1)), .invalid("login without user"))
        XCTAssertEqual(
            PushEvent(topic: Self.loginTopic, key: "bob", value: Data([0xFF, 0xFF]), headers: [], newLoginTopic: Self.loginTopic),
            .invalid("undecodable login"))
    }
}
