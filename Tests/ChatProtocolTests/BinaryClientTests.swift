import ChatProtocol
import Foundation
import Testing

@Suite struct BinaryClientTests {
    static func frame(source: String = "", clientMeta: Data? = nil) -> Data {
        ChatMessage(
            version: 3, id: "p1", type: .message, channel: .individual, source: source,
            destination: "bob", content: Data(#"{"text":"hi"}"#.utf8), timestamp: 5,
            clientMeta: clientMeta, serverId: "forged", serverTimestamp: 9
        ).protobufData()
    }

    @Test func senderIsTheAuthenticatedUser() throws {
        let message = try ChatMessage(clientProtobuf: Self.frame(), authenticatedUser: "alice")
        #expect(message.source == "alice")
        #expect(message.serverId == "")
        #expect(message.serverTimestamp == 0)
        #expect(message.version == 3)
        #expect(message.timestamp == 5)
    }

    @Test func spoofedSourceIsRejected() {
        #expect(throws: ProtocolError.spoofedSender(claimed: "mallory")) {
            try ChatMessage(clientProtobuf: Self.frame(source: "mallory"), authenticatedUser: "alice")
        }
    }

    @Test func clientMetaIsCanonicalised() throws {
        let message = try ChatMessage(
            clientProtobuf: Self.frame(source: "alice", clientMeta: Data(#"{ "b":1, "a":2 }"#.utf8)),
            authenticatedUser: "alice")
        #expect(message.clientMeta.map(text) == #"{"a":2,"b":1}"#)
    }

    @Test func clientMetaMustBeAnObject() {
        #expect(throws: ProtocolError.wrongType(field: "clientMeta", expected: "a JSON object")) {
            try ChatMessage(clientProtobuf: Self.frame(clientMeta: Data("[1]".utf8)), authenticatedUser: "alice")
        }
    }

    @Test func emptyFrameIsRejected() {
        #expect(throws: ProtocolError.missingField("id")) {
            try ChatMessage(clientProtobuf: Data(), authenticatedUser: "alice")
        }
    }
}
