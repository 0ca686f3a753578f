import ChatProtocol
import Foundation
import Testing

/// The sender's `meta` and `body` reach the recipient with their JSON types intact.
@Suite struct JSONFidelityTests {
    /// Already in the canonical form (compact, keys sorted), so it must come back byte for byte.
    static let canonicalMeta = #"""
        {"big":12345678901234567890,"createdAt":1700000000123,"deep":{"a":[[],{},[null,true,false]],"z":-0.5E+2},"float":1.50,"neg":-0,"text":"é \"q\" \\ \n\t\u0001 😀 /"}
        """#

    @Test func metaSurvivesJSONProtobufJSON() throws {
        let frame = #"{"_v":2.1,"id":"m1","head":{"to":"bob"},"meta":"# + Self.canonicalMeta + #","body":{}}"#
        let inbound = try decodeJSON(frame)
        #expect(inbound.clientMeta.map(text) == Self.canonicalMeta)
        let relayed = try ChatMessage(protobuf: inbound.protobufData())
        #expect(relayed == inbound)
        let outbound = text(relayed.outboundJSON())
        #expect(outbound.contains(#","meta":"# + Self.canonicalMeta + #","module":"#))
    }

    @Test func inputIsCanonicalised() throws {
        let frame = #"""
            { "_v" : 2.1 , "id" : "m1" , "head" : { "to" : "bob" } ,
              "meta" : { "b" : 1 , "a" : [ 1.50 , "\u00e9\/" , "\ud83d\ude00" ] , "b" : 2 } ,
              "body" : { "text" : "hi" , "at" : 1e3 } }
            """#
        let message = try decodeJSON(frame)
        #expect(message.clientMeta.map(text) == #"{"a":[1.50,"é/","😀"],"b":2}"#)
        #expect(text(message.content) == #"{"at":1e3,"text":"hi"}"#)
    }

    @Test func bodyOfAnyJSONTypeIsKept() throws {
        let message = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"bob"},"body":"plain"}"#)
        #expect(text(message.content) == #""plain""#)
        #expect(text(message.outboundJSON()).contains(#""body":"plain","#))
    }

    /// A binary client's content need not be JSON; JSON recipients then get it as a string.
    @Test func nonJSONContentGoesOutAsString() {
        let message = ChatMessage(
            id: "b1", type: .message, channel: .individual, source: "alice", destination: "bob",
            content: Data("not \"json\"".utf8), clientMeta: Data("[1]".utf8))
        let outbound = text(message.outboundJSON())
        #expect(outbound.contains(#""body":"not \"json\"","#))
        #expect(!outbound.contains(#""meta""#))
    }

    @Test func coreHeadFieldsWinOverMeta() {
        let message = ChatMessage(
            id: "x", type: .message, channel: .individual, source: "alice", destination: "bob",
            meta: ["from": "mallory", "to": "eve", "type": "GROUP", "ephemeral": "true", "category": "custom"])
        #expect(text(message.outboundJSON()) == #"""
            {"_v":2.1,"body":{},"chatType":"INDIVIDUAL","from":"alice","head":{"category":"custom","contentType":"MESSAGE","ephemeral":false,"from":"alice","to":"bob","type":"INDIVIDUAL"},"id":"x","module":"INDIVIDUAL","msgId":"x","to":"bob","type":"MESSAGE"}
            """#)
    }

    /// Dictionaries of another capacity iterate in another order; the bytes must not change.
    @Test func outputIsDeterministic() throws {
        let message = try decodeJSON(#"""
            {"_v":2.1,"id":"m1","head":{"to":"bob","k1":"1","k2":"2","k3":"3","k4":"4","k5":"5"},"meta":{"z":1,"y":2,"x":3}}
            """#)
        var copy = message
        copy.meta = Dictionary(minimumCapacity: 256)
        for (key, value) in message.meta.reversed() {
            copy.meta[key] = value
        }
        #expect(copy.outboundJSON() == message.outboundJSON())
        #expect(copy.protobufData() == message.protobufData())
    }
}
