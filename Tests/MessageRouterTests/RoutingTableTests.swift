import ChatProtocol
import ServiceKit
import XCTest

@testable import MessageRouter

final class RoutingTableTests: XCTestCase {
    private var table: RoutingTable {
        get throws {
            RoutingTable(
                topics: try TopicOptions.parse([
                    "--send-message-topic", "s", "--system-message-topic", "n", "--new-group-message-topic", "g",
                ]))
        }
    }

    private func message(_ type: MessageType, _ channel: MessageChannel, to destination: String = "bob") -> ChatMessage {
        ChatMessage(id: "m1", type: type, channel: channel, source: "alice", destination: destination)
    }

    func testOneToOneMessagesGoToSendMessageKeyedByTheRecipient() throws {
        for type in [MessageType.message, .custom] {
            XCTAssertEqual(try table.route(message(type, .individual)), .init(target: .sendMessage, topic: "s", key: "bob"))
        }
    }

    func testOneToOneNotificationsGoToSystemMessage() throws {
        XCTAssertEqual(
            try table.route(message(.notification, .individual)), .init(target: .systemMessage, topic: "n", key: "bob"))
    }

    func testGroupMessagesOfAnyTypeGoToNewGroupMessageKeyedByTheGroup() throws {
        for type in [MessageType.message, .notification] {
            XCTAssertEqual(
                try table.route(message(type, .group, to: "group-7")), .init(target: .newGroupMessage, topic: "g", key: "group-7"))
        }
    }

    func testMessagesNoServiceCouldHandleAreRejectedWithTheReason() {
        var noId = message(.message, .individual)
        noId.id = ""
        var noSource = message(.message, .individual)
        noSource.source = ""
        let cases: [(ChatMessage, String)] = [
            (message(.message, .individual, to: ""), "missing destination"),
            (noId, "missing message id"),
            (noSource, "missing source"),
            (message(.message, .unknown), "channel UNKNOWN is not routable"),
            (message(.message, .other), "channel OTHER is not routable"),
        ]
        for (message, reason) in cases {
            XCTAssertThrowsError(try table.route(message)) { error in
                XCTAssertEqual("\(error)", reason)
            }
        }
    }
}
