import ChatProtocol
import Foundation
import Testing

@Suite struct InboundJSONTests {
    /// What the shipped app sends: `_v` 2.0, a group attachment with its meta.
    @Test func version20GroupFrame() throws {
        let message = try decodeJSON(#"""
            {"_v":2.0,"id":"a-1","head":{"type":"group","to":"g-42","from":"alice","contentType":"attachment","ephemeral":false,"chatid":"g-42","action":"message","category":"message"},"meta":{"createdAt":1700000000123,"contentHash":"h1","hash":"h2"},"body":{"text":"photo","url":"https://x/y.jpg"}}
            """#, receivedAt: 42)
        #expect(message == ChatMessage(
            version: 2.0,
            id: "a-1",
            type: .message,
            channel: .group,
            source: "alice",
            destination: "g-42",
            content: Data(#"{"text":"photo","url":"https://x/y.jpg"}"#.utf8),
            timestamp: 42,
            meta: ["chatid": "g-42", "action": "message", "category": "message", "contentType": "attachment"],
            clientMeta: Data(#"{"contentHash":"h1","createdAt":1700000000123,"hash":"h2"}"#.utf8)))
        #expect(text(message.outboundJSON()) == #"""
            {"_v":2.1,"action":"message","body":{"text":"photo","url":"https://x/y.jpg"},"chatId":"g-42","chatType":"GROUP","from":"alice","head":{"action":"message","category":"message","chatid":"g-42","contentType":"attachment","ephemeral":false,"from":"alice","to":"g-42","type":"GROUP"},"id":"a-1","meta":{"contentHash":"h1","createdAt":1700000000123,"hash":"h2"},"module":"GROUP","msgId":"a-1","text":"photo","to":"g-42","type":"attachment"}
            """#)
    }

    @Test func version1Frame() throws {
        let message = try decodeJSON(#"""
            {"msgId":"v1-1","from":"alice","to":"bob","chatId":"alice","text":"hello","type":"TEXT","state":"NEW"}
            """#, receivedAt: 7)
        #expect(message == ChatMessage(
            version: 1,
            id: "v1-1",
            type: .message,
            channel: .individual,
            source: "alice",
            destination: "bob",
            content: Data(#"{"text":"hello"}"#.utf8),
            timestamp: 7,
            meta: ["chatid": "alice", "state": "NEW", "contentType": "TEXT"]))
        #expect(text(message.outboundJSON()) == #"""
            {"_v":2.1,"body":{"text":"hello"},"chatId":"alice","chatType":"INDIVIDUAL","from":"alice","head":{"category":"message","chatid":"alice","contentType":"TEXT","ephemeral":false,"from":"alice","state":"NEW","to":"bob","type":"INDIVIDUAL"},"id":"v1-1","module":"INDIVIDUAL","msgId":"v1-1","text":"hello","to":"bob","type":"TEXT"}
            """#)
    }

    @Test func version1ChannelFromModuleOrChatType() throws {
        let byModule = try decodeJSON(#"{"msgId":"m","to":"g","module":"group","action":"add"}"#)
        #expect(byModule.channel == .group)
        #expect(byModule.meta == ["action": "add"])
        #expect(byModule.content == Data("{}".utf8))
        let byChatType = try decodeJSON(#"{"msgId":"m","to":"g","chatType":"OTHER","module":"group"}"#)
        #expect(byChatType.channel == .other)
    }

    @Test func pageChannelInEveryEnvelope() throws {
        let page = "~p" + String(repeating: "1", count: 32)
        let version1 = try decodeJSON(#"{"msgId":"m","to":"\#(page)","chatType":"PAGE","text":"x"}"#)
        #expect(version1.channel == .page)
        for version in ["2.0", "2.1"] {
            let message = try decodeJSON(
                #"{"_v":\#(version),"id":"m","head":{"type":"page","to":"\#(page)","contentType":"TEXT","thread":"bob"},"body":{}}"#)
            #expect(message.channel == .page)
            #expect(message.pageThread == "bob")
            #expect(try ChatMessage(protobuf: message.protobufData()).channel == .page)
        }
        #expect(text(version1.outboundJSON()).contains(#""type":"PAGE""#))
    }

    @Test func versionBelowTwoIsVersion1() throws {
        let message = try decodeJSON(#"{"_v":1,"msgId":"m","to":"bob","text":"x"}"#)
        #expect(message.version == 1)
        #expect(message.content == Data(#"{"text":"x"}"#.utf8))
    }

    @Test func clientAckToServerWithoutContentType() throws {
        let ack = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"type":"INDIVIDUAL","to":"server"}}"#, user: "bob")
        #expect(ack.type == .clientAck)
        #expect(ack.source == "bob")
        #expect(ack.destination == ChatMessage.serverUser)
        #expect(ack.meta.isEmpty)
        let v1Ack = try decodeJSON(#"{"msgId":"m1","to":"server"}"#, user: "bob")
        #expect(v1Ack.type == .clientAck)
    }

    @Test func contentTypeSelectsTypeAndIsKept() throws {
        let ack = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"server","contentType":"client_ack"}}"#)
        #expect(ack.type == .clientAck)
        #expect(ack.meta["contentType"] == "client_ack")
        let textToServer = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"server","contentType":"text"}}"#)
        #expect(textToServer.type == .message)
        let notification = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"bob","contentType":"Notification"}}"#)
        #expect(notification.type == .notification)
        let plain = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"bob"}}"#)
        #expect(plain.type == .message)
        #expect(plain.channel == .individual)
    }

    /// Delivery and read receipts: `action` state makes them system frames on the way out.
    @Test func stateNotificationIsSystemCategory() throws {
        let receipt = try decodeJSON(#"""
            {"_v":2.1,"id":"r-1","head":{"type":"individual","to":"bob","contentType":"notification","action":"state"},"body":{"state":"read","ids":["m1"]}}
            """#)
        #expect(receipt.type == .notification)
        #expect(text(receipt.outboundJSON()) == #"""
            {"_v":2.1,"action":"state","body":{"ids":["m1"],"state":"read"},"chatType":"INDIVIDUAL","from":"alice","head":{"action":"state","category":"system","contentType":"notification","ephemeral":false,"from":"alice","to":"bob","type":"INDIVIDUAL"},"id":"r-1","module":"INDIVIDUAL","msgId":"r-1","to":"bob","type":"notification"}
            """#)
    }

    @Test func headExtrasBecomeStrings() throws {
        let message = try decodeJSON(#"""
            {"_v":2.1,"id":"m1","head":{"to":"bob","ephemeral":true,"n":-1.5e3,"flag":false,"list":[1,"a"],"gone":null}}
            """#)
        #expect(message.ephemeral)
        #expect(message.meta == ["n": "-1.5e3", "flag": "false", "list": #"[1,"a"]"#])
    }

    @Test func nullCountsAsAbsent() throws {
        let message = try decodeJSON(#"{"_v":null,"msgId":"m","from":null,"to":"bob","chatId":null,"text":null}"#)
        #expect(message.version == 1)
        #expect(message.meta.isEmpty)
        #expect(message.content == Data("{}".utf8))
    }

    @Test func spoofedSenderIsRejected() {
        let frames = [
            #"{"_v":2.1,"id":"m1","head":{"to":"bob","from":"mallory"}}"#,
            #"{"_v":2.0,"id":"m1","head":{"to":"bob","from":"ALICE"}}"#,
            #"{"msgId":"m1","to":"bob","from":"mallory"}"#,
        ]
        for frame in frames {
            let error = jsonError(Data(frame.utf8))
            #expect(error == .spoofedSender(claimed: frame.contains("ALICE") ? "ALICE" : "mallory"))
            #expect(error?.statusCode == 403)
        }
    }

    @Test func matchingSenderIsAccepted() throws {
        let message = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"bob","from":"alice"}}"#)
        #expect(message.source == "alice")
    }

    @Test func messageIdOfRejectedFrames() {
        #expect(ChatMessage.messageId(inJSONFrame: Data(#"{"_v":2.1,"id":"m9","head":"x"}"#.utf8)) == "m9")
        #expect(ChatMessage.messageId(inJSONFrame: Data(#"{"msgId":"v9"}"#.utf8)) == "v9")
        #expect(ChatMessage.messageId(inJSONFrame: Data(#"{"id":9}"#.utf8)) == nil)
        #expect(ChatMessage.messageId(inJSONFrame: Data("nope".utf8)) == nil)
    }
}
