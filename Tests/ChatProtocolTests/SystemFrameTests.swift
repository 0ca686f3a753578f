import ChatProtocol
import Foundation
import Testing

@Suite struct SystemFrameTests {
    @Test func serverAck() {
        let ack = ChatMessage.serverAck(for: RoundTripVectorTests.expected)
        #expect(text(ack.outboundJSON()) == #"""
            {"_v":2.1,"body":{},"chatType":"INDIVIDUAL","from":"server","head":{"category":"system","contentType":"SERVER_ACK","ephemeral":true,"from":"server","to":"alice","type":"INDIVIDUAL"},"id":"m1","module":"INDIVIDUAL","msgId":"m1","to":"alice","type":"SERVER_ACK"}
            """#)
        // protoc --encode of {version 2.1, id m1, SERVER_ACK, INDIVIDUAL, ephemeral, server -> alice,
        // content "{}", meta category=system, serverId s1, serverTimestamp 1700000000600}.
        #expect(hex(ack.protobufData()) ==
            "0d6666064012026d312001280132067365727665723a05616c69636542027b7d52120a0863617465676f7279"
            + "120673797374656da201027331a801d8d495ffbc31")
    }

    @Test func errorFrameForSpoofedSender() {
        let error = ProtocolError.spoofedSender(claimed: "mallory")
        let frame = ChatMessage.errorFrame(id: nil, to: "alice", error: error)
        #expect(text(frame.outboundJSON()) == #"""
            {"_v":2.1,"body":{"code":403,"error":"sender 'mallory' is not the authenticated user"},"chatType":"INDIVIDUAL","from":"server","head":{"category":"system","contentType":"ERROR","ephemeral":true,"from":"server","to":"alice","type":"INDIVIDUAL"},"id":null,"module":"INDIVIDUAL","msgId":null,"to":"alice","type":"ERROR"}
            """#)
    }

    @Test func binaryErrorFrame() throws {
        let frame = ChatMessage.errorFrame(id: "m1", to: "alice", error: .missingField("head.to"))
        // protoc --encode of {version 2.1, id m1, CUSTOM, INDIVIDUAL, ephemeral, server -> alice,
        // content {"code":400,"error":"missing field 'head.to'"}, meta contentType=ERROR, category=system}.
        let expectedHex =
            "0d6666064012026d31180a2001280132067365727665723a05616c696365422e7b22636f6465223a3430302c22"
            + "6572726f72223a226d697373696e67206669656c642027686561642e746f27227d52120a0863617465676f72"
            + "79120673797374656d52140a0b636f6e74656e745479706512054552524f52"
        #expect(hex(frame.protobufData()) == expectedHex)
        let decoded = try ChatMessage(protobuf: bytes(expectedHex))
        #expect(decoded.type == .custom)
        #expect(decoded.meta["contentType"] == "ERROR")
        #expect(decoded == frame)
    }

    @Test func customErrorCode() {
        let frame = ChatMessage.errorFrame(id: "m2", to: "bob", code: 429, reason: "rate limited")
        #expect(text(frame.content) == #"{"code":429,"error":"rate limited"}"#)
        #expect(frame.destination == "bob")
        #expect(frame.ephemeral)
    }
}
