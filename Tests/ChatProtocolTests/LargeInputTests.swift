import ChatProtocol
import Foundation
import Testing

/// Inputs of several megabytes shaped to hit the slow paths: a decoder that is quadratic in
/// any of them would run for hours and trip the time limit; a linear one takes well under a
/// second. The gateway refuses frames this large before decoding, but services decode what
/// is on the broker without that check.
@Suite(.timeLimit(.minutes(1))) struct LargeInputTests {
    static let megabytes = 4 << 20

    func frame(head: String = #""to":"bob""#, body: String) -> Data {
        let start = #"{"_v":2.1,"id":"big","head":{"#
        return Data((start + head + #"},"body":"# + body + "}").utf8)
    }

    @Test func megabytesOfOpeningBracketsFailAtTheDepthLimit() {
        for opener in ["[", "{\"a\":"] {
            let input = Data(String(repeating: opener, count: Self.megabytes / opener.utf8.count).utf8)
            #expect(jsonError(input)?.isMalformedJSON == true)
            #expect(DecoderInvariants.violations(decoding: input).isEmpty)
        }
    }

    @Test func manyContainersAtTheDepthLimitDecode() throws {
        let deep = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        let body = "[" + Array(repeating: deep, count: Self.megabytes / deep.utf8.count).joined(separator: ",") + "]"
        let message = try ChatMessage(json: frame(body: body), authenticatedUser: "alice", receivedAt: 0)
        #expect(message.content == Data(body.utf8))
    }

    @Test func megabytesOfEscapesDecode() throws {
        let count = Self.megabytes / 24
        let body = #"{"text":""# + String(repeating: #"\u00e9\ud83d\ude00\n\"\\"#, count: count) + #""}"#
        let message = try ChatMessage(json: frame(body: body), authenticatedUser: "alice", receivedAt: 0)
        #expect(message.content.count > count * 6)
    }

    @Test func aHundredThousandHeadMembersBecomeMeta() throws {
        let head = #""to":"bob""# + (0..<100_000).map { #","k\#($0)":\#($0)"# }.joined()
        let message = try ChatMessage(json: frame(head: head, body: "{}"), authenticatedUser: "alice", receivedAt: 0)
        #expect(message.meta.count == 100_000)
        #expect(message.meta["k99999"] == "99999")
    }

    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        let head = String(repeating: #""to":"mallory","#, count: 200_000) + #""to":"bob""#
        let message = try ChatMessage(json: frame(head: head, body: "{}"), authenticatedUser: "alice", receivedAt: 0)
        #expect(message.destination == "bob")
    }

    @Test func megabyteNumbersKeepTheirText() throws {
        let digits = String(repeating: "7", count: Self.megabytes)
        let version = "2." + String(repeating: "0", count: Self.megabytes) + "1"
        let input = Data(#"{"_v":\#(version),"id":"n","head":{"to":"bob"},"body":[\#(digits),-\#(digits)e-\#(digits)]}"#.utf8)
        let message = try ChatMessage(json: input, authenticatedUser: "alice", receivedAt: 0)
        #expect(message.version == 2)
        #expect(message.content.count == 3 * Self.megabytes + 6)
    }

    @Test func anUnterminatedMegabyteStringFails() {
        let input = Data(#"{"_v":2.1,"id":""#.utf8 + Data(String(repeating: "a", count: Self.megabytes).utf8))
        #expect(jsonError(input) == .malformedJSON("unterminated string at byte \(input.count)"))
    }

    @Test func megabytesOfNestedProtobufGroupsFail() {
        let input = Data(repeating: 0x0B, count: Self.megabytes)
        #expect(throws: ProtocolError.self) { try ChatMessage(protobuf: input) }
        #expect(DecoderInvariants.violations(decoding: input).isEmpty)
    }

    @Test func aHundredThousandProtobufMetaEntriesDecode() throws {
        let meta = Dictionary(uniqueKeysWithValues: (0..<100_000).map { ("k\($0)", "v\($0)") })
        let original = ChatMessage(id: "p", type: .message, channel: .individual, source: "alice", destination: "bob", meta: meta)
        let decoded = try ChatMessage(clientProtobuf: original.protobufData(), authenticatedUser: "alice")
        #expect(decoded.meta.count == 100_000)
        #expect(DecoderInvariants.clientProtobufViolations(decoded).isEmpty)
    }

    @Test func aProtobufFieldRepeatedThousandsOfTimesKeepsTheLast() throws {
        var input = Data()
        for index in 0..<200_000 {
            let id = Data("id\(index)".utf8)
            input += [0x12, UInt8(id.count)] + id
        }
        input += [0x3A, 0x03] + Data("bob".utf8)
        let decoded = try ChatMessage(clientProtobuf: input, authenticatedUser: "alice")
        #expect(decoded.id == "id199999")
    }

    @Test func megabytesOfHostileClientMetaFail() {
        let nested = Data(String(repeating: "[", count: Self.megabytes).utf8)
        let input = ChatMessage(
            id: "p", type: .message, channel: .individual, source: "", destination: "bob", clientMeta: nested
        ).protobufData()
        #expect(throws: ProtocolError.self) { try ChatMessage(clientProtobuf: input, authenticatedUser: "alice") }
    }
}
