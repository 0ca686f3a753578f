import ChatProtocol
import Foundation
import Testing

/// The full path of one message: client JSON in, broker protobuf, client JSON out.
@Suite struct RoundTripVectorTests {
    static let inbound = #"""
        {"_v":2.1,"id":"m1","head":{"type":"individual","to":"bob","from":"alice","contentType":"text","ephemeral":false,"chatid":"alice","priority":2},"meta":{"createdAt":1700000000123,"tags":["a",{"b":null}],"ok":true},"body":{"text":"hi"}}
        """#

    /// `protoc --encode=vartalap.Message --deterministic_output` of the expected message.
    static let protobufHex =
        "0d6666064012026d31180220013205616c6963653a03626f62420d7b2274657874223a226869227d48f4d395ffbc31"
        + "520f0a066368617469641205616c69636552130a0b636f6e74656e7454797065120474657874520d0a08707269"
        + "6f72697479120132a201027331a801d8d495ffbc31b2013d7b22637265617465644174223a3137303030303030"
        + "30303132332c226f6b223a747275652c2274616773223a5b2261222c7b2262223a6e756c6c7d5d7d"

    static let outbound = #"""
        {"_v":2.1,"body":{"text":"hi"},"chatId":"alice","chatType":"INDIVIDUAL","from":"alice","head":{"category":"message","chatid":"alice","contentType":"text","ephemeral":false,"from":"alice","priority":"2","to":"bob","type":"INDIVIDUAL"},"id":"m1","meta":{"createdAt":1700000000123,"ok":true,"tags":["a",{"b":null}]},"module":"INDIVIDUAL","msgId":"m1","text":"hi","to":"bob","type":"text"}
        """#

    static let expected = ChatMessage(
        version: 2.1,
        id: "m1",
        type: .message,
        channel: .individual,
        source: "alice",
        destination: "bob",
        content: Data(#"{"text":"hi"}"#.utf8),
        timestamp: 1_700_000_000_500,
        meta: ["chatid": "alice", "priority": "2", "contentType": "text"],
        clientMeta: Data(#"{"createdAt":1700000000123,"ok":true,"tags":["a",{"b":null}]}"#.utf8),
        serverId: "s1",
        serverTimestamp: 1_700_000_000_600)

    @Test func jsonToMessage() throws {
        var message = try decodeJSON(Self.inbound, receivedAt: 1_700_000_000_500)
        #expect(message.serverId == "")
        message.serverId = "s1"
        message.serverTimestamp = 1_700_000_000_600
        #expect(message == Self.expected)
    }

    @Test func messageToProtobuf() {
        #expect(hex(Self.expected.protobufData()) == Self.protobufHex)
    }

    @Test func protobufToMessage() throws {
        #expect(try ChatMessage(protobuf: bytes(Self.protobufHex)) == Self.expected)
    }

    @Test func messageToOutboundJSON() throws {
        let decoded = try ChatMessage(protobuf: bytes(Self.protobufHex))
        #expect(text(decoded.outboundJSON()) == Self.outbound)
    }

    /// The outbound frame is itself a valid 2.1 inbound frame of the same message.
    @Test func outboundFrameReadsBack() throws {
        let again = try decodeJSON(Self.outbound, receivedAt: Self.expected.timestamp)
        #expect(again.id == "m1")
        #expect(again.destination == "bob")
        #expect(again.content == Self.expected.content)
        #expect(again.clientMeta == Self.expected.clientMeta)
    }
}
