import ChatProtocol
import Foundation
import Testing

/// Hostile or broken input always ends in a `ProtocolError`, never a crash.
@Suite struct MalformedInputTests {
    static let notJSON: [String] = [
        "",
        "not json",
        "ping",
        "{",
        #"{"_v":2.1,"id":"m1","head":{"to":"bo"#,
        #"{"_v":2.1,"id":"m1","head":{"to":"bob"}} x"#,
        #"{"_v":2.1,"id":"m1",}"#,
        #"{"_v":2.1 "id":"m1"}"#,
        #"{'id':'m1'}"#,
        #"{"_v":01,"id":"m1"}"#,
        #"{"_v":1.,"id":"m1"}"#,
        #"{"_v":-,"id":"m1"}"#,
        #"{"_v":2.1,"id":"m\x"}"#,
        #"{"_v":2.1,"id":"\u12"}"#,
        #"{"_v":2.1,"id":"\ud800"}"#,
        #"{"_v":2.1,"id":"\udc00\ud800"}"#,
        "{\"_v\":2.1,\"id\":\"tab\there\"}",
        #"{"_v":tru}"#,
        #"{"_v":2.1}}"#,
    ]

    @Test(arguments: notJSON) func notJSONIsMalformed(frame: String) {
        #expect(jsonError(Data(frame.utf8))?.isMalformedJSON == true)
    }

    @Test func invalidUTF8IsMalformed() {
        var frame = Data(#"{"_v":2.1,"id":"m"#.utf8)
        frame.append(contentsOf: [0xFF, 0xC3])
        frame.append(contentsOf: Data(#"","head":{"to":"bob"}}"#.utf8))
        #expect(jsonError(frame)?.isMalformedJSON == true)
    }

    @Test func hostileNestingIsMalformed() {
        let depth = 100_000
        let frame = #"{"_v":2.1,"id":"m1","head":{"to":"bob"},"body":"#
            + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(jsonError(Data(frame.utf8))?.isMalformedJSON == true)
    }

    @Test func modestNestingIsAccepted() throws {
        let nested = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        let message = try decodeJSON(#"{"_v":2.1,"id":"m1","head":{"to":"bob"},"body":"# + nested + "}")
        #expect(text(message.content) == nested)
    }

    @Test func topLevelNotAnObject() {
        for frame in [#"[{"_v":2.1,"id":"m1","head":{"to":"bob"}}]"#, #""m1""#, "42", "null", "true"] {
            #expect(jsonError(Data(frame.utf8)) == .malformedJSON("a frame must be a JSON object"))
        }
    }

    static let wrongShapes: [(String, ProtocolError)] = [
        (#"{"_v":2.1,"id":"m1","head":"INDIVIDUAL"}"#, .wrongType(field: "head", expected: "an object")),
        (#"{"_v":2.1,"id":7,"head":{"to":"bob"}}"#, .wrongType(field: "id", expected: "a string")),
        (#"{"_v":"2.1","id":"m1","head":{"to":"bob"}}"#, .wrongType(field: "_v", expected: "a number")),
        (#"{"_v":1e999,"id":"m1","head":{"to":"bob"}}"#, .invalidValue(field: "_v", value: "1e999")),
        (#"{"_v":2.1,"head":{"to":"bob"}}"#, .missingField("id")),
        (#"{"_v":2.1,"id":"","head":{"to":"bob"}}"#, .missingField("id")),
        (#"{"_v":2.1,"id":"m1"}"#, .missingField("head")),
        (#"{"_v":2.1,"id":"m1","head":{}}"#, .missingField("head.to")),
        (#"{"_v":2.1,"id":"m1","head":{"to":["bob"]}}"#, .wrongType(field: "head.to", expected: "a string")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob","from":1}}"#, .wrongType(field: "head.from", expected: "a string")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob","type":"broadcast"}}"#, .invalidValue(field: "head.type", value: "broadcast")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob","type":2}}"#, .wrongType(field: "head.type", expected: "a string")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob","contentType":{}}}"#, .wrongType(field: "head.contentType", expected: "a string")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob","ephemeral":"yes"}}"#, .wrongType(field: "head.ephemeral", expected: "a boolean")),
        (#"{"_v":2.1,"id":"m1","head":{"to":"bob"},"meta":[1]}"#, .wrongType(field: "meta", expected: "an object")),
        (#"{"msgId":"m1","to":"bob","text":5}"#, .wrongType(field: "text", expected: "a string")),
        (#"{"msgId":"m1","to":"bob","module":"broadcast"}"#, .invalidValue(field: "module", value: "broadcast")),
        (#"{"to":"bob"}"#, .missingField("msgId")),
        (#"{"msgId":"m1"}"#, .missingField("to")),
    ]

    @Test(arguments: wrongShapes) func wrongShapeIsNamed(frame: String, expected: ProtocolError) {
        let error = jsonError(Data(frame.utf8))
        #expect(error == expected)
        #expect(error?.statusCode == 400)
    }

    @Test func truncatedProtobuf() {
        let vector = bytes(RoundTripVectorTests.protobufHex)
        // Cut inside the id string: its length prefix promises more bytes than remain.
        #expect(throws: ProtocolError.invalidProtobuf("truncated")) {
            try ChatMessage(protobuf: vector.prefix(7))
        }
        #expect(throws: ProtocolError.invalidProtobuf("truncated")) {
            try ChatMessage(protobuf: vector.dropLast())
        }
    }

    @Test(arguments: ["07", "ffffffffffffffffffffff", "120aff", "1201ff", "0f", "a2"])
    func invalidProtobuf(hexBytes: String) {
        do throws(ProtocolError) {
            _ = try ChatMessage(protobuf: bytes(hexBytes))
            Issue.record("\(hexBytes) decoded")
        } catch {
            #expect(error.isInvalidProtobuf)
        }
    }

    @Test func unknownEnumValues() {
        #expect(throws: ProtocolError.invalidValue(field: "type", value: "5")) {
            try ChatMessage(protobuf: bytes("1805"))
        }
        #expect(throws: ProtocolError.invalidValue(field: "channel", value: "7")) {
            try ChatMessage(protobuf: bytes("2007"))
        }
        #expect(throws: ProtocolError.invalidValue(field: "state", value: "1")) {
            try ConnectionState(protobuf: bytes("1001"))
        }
    }

    @Test func descriptionsAreReadable() {
        #expect(ProtocolError.missingField("head.to").description == "missing field 'head.to'")
        #expect(ProtocolError.tooLarge(size: 70_000, limit: 65_536).description
            == "message of 70000 bytes exceeds the limit of 65536 bytes")
        #expect(ProtocolError.tooLarge(size: 1, limit: 0).statusCode == 413)
        #expect(jsonError(Data())?.description == "malformed JSON: unexpected end of input at byte 0")
    }
}
