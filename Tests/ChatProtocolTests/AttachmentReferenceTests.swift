import ChatProtocol
import Foundation
import Testing

/// A chat message names a file by `body.fileId`; everything else about it is ordinary.
@Suite struct AttachmentReferenceTests {
    static let fileId = "0123456789abcdef0123456789abcdef"

    @Test func anImageMessageFromTheAppNamesItsFile() throws {
        let frame = #"""
            {"_v":2.1,"id":"p1","head":{"type":"INDIVIDUAL","to":"bob","from":"alice","contentType":"IMAGE","chatid":"alice"},
             "body":{"fileId":"0123456789abcdef0123456789abcdef","name":"cat.jpg","contentType":"image/jpeg","size":52133}}
            """#
        let message = try decodeJSON(frame)
        #expect(message.type == .message)
        #expect(message.attachment == AttachmentReference(fileId: Self.fileId, mediaType: "image/jpeg"))
        // It reaches the recipient as sent.
        let outbound = try #require(JSONSerialization.jsonObject(with: message.outboundJSON()) as? [String: Any])
        let body = try #require(outbound["body"] as? [String: Any])
        #expect(body["fileId"] as? String == Self.fileId)
        #expect(body["size"] as? Int == 52133)
    }

    @Test func theKindStandsInForAMissingMediaType() throws {
        let frame = #"""
            {"_v":2.1,"id":"v1","head":{"type":"GROUP","to":"g1","from":"alice","contentType":"video"},
             "body":{"fileId":"0123456789abcdef0123456789abcdef"}}
            """#
        #expect(try decodeJSON(frame).attachment?.mediaType == "video")
        let other = #"""
            {"_v":2.1,"id":"o1","head":{"type":"INDIVIDUAL","to":"bob","from":"alice","contentType":"OTHER"},
             "body":{"fileId":"0123456789abcdef0123456789abcdef"}}
            """#
        #expect(try decodeJSON(other).attachment == AttachmentReference(fileId: Self.fileId, mediaType: nil))
    }

    @Test func textReceiptsAndOddBodiesCarryNoFile() throws {
        let text = #"{"_v":2.1,"id":"t1","head":{"type":"INDIVIDUAL","to":"bob","from":"alice","contentType":"TEXT"},"body":{"text":"fileId"}}"#
        #expect(try decodeJSON(text).attachment == nil)
        let receipt = #"""
            {"_v":2.1,"id":"r1","head":{"type":"INDIVIDUAL","to":"bob","from":"alice","contentType":"NOTIFICATION","action":"state"},
             "body":{"fileId":"0123456789abcdef0123456789abcdef"}}
            """#
        #expect(try decodeJSON(receipt).attachment == nil)
        for body in [#"{"fileId":""}"#, #"{"fileId":42}"#, #"{"fileId":"\#(String(repeating: "a", count: 129))"}"#, #"["fileId"]"#] {
            let frame = #"{"_v":2.1,"id":"x","head":{"type":"INDIVIDUAL","to":"bob","from":"alice","contentType":"IMAGE"},"body":\#(body)}"#
            #expect(try decodeJSON(frame).attachment == nil, "\(body)")
        }
    }

    @Test func aBinaryClientsMessageIsReadTheSameWay() throws {
        let message = ChatMessage(
            id: "b1", type: .message, channel: .individual, source: "alice", destination: "bob",
            content: Data(#"{"fileId":"0123456789abcdef0123456789abcdef","contentType":"application/pdf"}"#.utf8),
            meta: ["contentType": "ATTACHMENT"])
        let decoded = try ChatMessage(protobuf: message.protobufData())
        #expect(decoded.attachment == AttachmentReference(fileId: Self.fileId, mediaType: "application/pdf"))
    }
}
