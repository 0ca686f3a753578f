import ChatProtocol
import Foundation
import TestSupport
import XCTest

/// A protobuf ("binary") client and a JSON client talk to each other.
final class BinaryClientTests: XCTestCase {
    func testBinaryAndJSONClientsExchangeMessagesBothWays() async throws {
        let binaryUser = TestStack.uniqueName("bin"), jsonUser = TestStack.uniqueName("json")
        let binaryKey = try await TestStack.login(binaryUser), jsonKey = try await TestStack.login(jsonUser)
        let binary = try await ChatClient.connect(binaryUser, key: binaryKey, format: "binary", autoAck: false)
        let json = try await ChatClient.connect(jsonUser, key: jsonKey)
        defer { binary.close(); json.close() }

        let outgoing = ChatMessage(
            id: "from-binary", type: .message, channel: .individual, source: binaryUser, destination: jsonUser,
            content: Data(#"{"text":"hello from protobuf"}"#.utf8), timestamp: 1_700_000_000_000)
        binary.sendBinary(outgoing.protobufData())
        let received = try await json.waitForFrame("the protobuf message as JSON") { $0.id == "from-binary" }
        XCTAssertEqual(received.from, binaryUser)
        XCTAssertEqual(received.text, "hello from protobuf")
        try await eventually("a binary server ack") {
            binary.rawFrames.contains { (try? ChatMessage(protobuf: $0))?.type == .serverAck }
        }

        json.sendMessage(to: binaryUser, id: "from-json", text: "hello from JSON")
        try await eventually("the JSON message as protobuf") {
            binary.rawFrames.contains { (try? ChatMessage(protobuf: $0))?.id == "from-json" }
        }
        let decoded = try XCTUnwrap(binary.rawFrames.compactMap { try? ChatMessage(protobuf: $0) }.first { $0.id == "from-json" })
        XCTAssertEqual(decoded.source, jsonUser)
        XCTAssertEqual(decoded.type, .message)
        let body = try JSONSerialization.jsonObject(with: decoded.content) as? [String: Any]
        XCTAssertEqual(body?["text"] as? String, "hello from JSON")
        let ack = ChatMessage(
            id: "from-json", type: .clientAck, channel: .individual, source: binaryUser, destination: ChatMessage.serverUser)
        binary.sendBinary(ack.protobufData())
    }
}
