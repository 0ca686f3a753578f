import ChatProtocol
import Foundation
import Testing

/// Deterministic random input for every decoder: mutations of valid frames (byte flips,
/// truncation, insertion, splicing, deep nesting, hostile tokens), valid JSON with wrong types,
/// and plain noise. The seed is fixed so CI runs the same inputs every time; set
/// VARTALAP_FUZZ_SEED and VARTALAP_FUZZ_ITERATIONS to explore further locally. A failure
/// prints the input as hex, ready to become a regression test.
@Suite struct RandomInputTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["VARTALAP_FUZZ_SEED"] ?? "") ?? 0x5EED_0008
    static let iterations = Int(ProcessInfo.processInfo.environment["VARTALAP_FUZZ_ITERATIONS"] ?? "") ?? 3000

    static let jsonSeeds: [String] = [
        RoundTripVectorTests.inbound,
        RoundTripVectorTests.outbound,
        #"{"msgId":"m2","from":"alice","to":"bob","chatId":"alice","text":"hello","type":"TEXT","chatType":"INDIVIDUAL"}"#,
        #"{"_v":2.1,"id":"m1","head":{"type":"INDIVIDUAL","to":"server","contentType":"CLIENT_ACK"}}"#,
        #"{"_v":2.0,"id":"g1","head":{"type":"GROUP","to":"group-1","ephemeral":true,"action":"typing"},"body":[1,2.5e3,"x\u00e9\ud83d\ude00",null,{"y":[]}]}"#,
    ]

    static let protobufSeeds: [Data] = [
        bytes(RoundTripVectorTests.protobufHex),
        BinaryClientTests.frame(source: "alice", clientMeta: Data(#"{"a":[1,{"b":null}]}"#.utf8)),
        bytes(EventProtobufTests.connectionHex),
        LoginEvent(user: "alice", deviceId: "d", notificationToken: "t", messageVersion: 2.1).protobufData(),
    ]

    /// The JSON seeds as trees, for mutations that keep the JSON valid.
    static let treeSeeds: [JSONTree] = [
        .object([
            ("_v", .number("2.1")), ("id", .string("m1")),
            ("head", .object([
                ("type", .string("INDIVIDUAL")), ("to", .string("bob")), ("from", .string("alice")),
                ("contentType", .string("TEXT")), ("ephemeral", .bool(false)), ("chatid", .string("alice")),
            ])),
            ("meta", .object([("createdAt", .number("1700000000123"))])),
            ("body", .object([("text", .string("hi"))])),
        ]),
        .object([
            ("msgId", .string("m2")), ("from", .string("alice")), ("to", .string("bob")), ("text", .string("hello")),
            ("type", .string("TEXT")), ("chatType", .string("GROUP")), ("chatId", .number("7")),
        ]),
    ]

    @Test func mutatedJSONFramesDecodeOrFailClearly() {
        let seeds = Self.jsonSeeds.map { Array($0.utf8) }
        var mutator = InputMutator(seed: Self.seed)
        var failures = Failures()
        for iteration in 0..<Self.iterations {
            let input = mutator.mutate(seeds[iteration % seeds.count], splicingFrom: seeds)
            failures.check(Data(input), iteration: iteration)
        }
        failures.expectNone()
    }

    @Test func mutatedProtobufFramesDecodeOrFailClearly() {
        let seeds = Self.protobufSeeds.map { Array($0) }
        var mutator = InputMutator(seed: Self.seed ^ 0xB1)
        var failures = Failures()
        for iteration in 0..<Self.iterations {
            let input = mutator.mutate(seeds[iteration % seeds.count], splicingFrom: seeds)
            failures.check(Data(input), iteration: iteration)
        }
        failures.expectNone()
    }

    /// Well-formed JSON with members of the wrong type, missing or extra: the error must name
    /// the problem, never call valid JSON malformed.
    @Test func wrongTypesInValidJSONAreNamed() {
        var mutator = InputMutator(seed: Self.seed ^ 0x7E)
        var failures = Failures()
        for iteration in 0..<Self.iterations {
            var tree = Self.treeSeeds[iteration % Self.treeSeeds.count]
            for _ in 0..<mutator.int(1...3) { tree = mutator.mutate(tree) }
            let input = Data(tree.text.utf8)
            failures.check(input, iteration: iteration)
            do throws(ProtocolError) {
                _ = try ChatMessage(json: input, authenticatedUser: DecoderInvariants.user, receivedAt: 0)
            } catch {
                if case .malformedJSON = error { failures.record(input, iteration: iteration, ["valid JSON called \(error)"]) }
            }
        }
        failures.expectNone()
    }

    @Test func randomBytesDecodeOrFailClearly() {
        var mutator = InputMutator(seed: Self.seed ^ 0x42)
        var failures = Failures()
        for iteration in 0..<Self.iterations {
            let input = (0..<mutator.int(0...512)).map { _ in UInt8.random(in: 0...255, using: &mutator.random) }
            failures.check(Data(input), iteration: iteration)
        }
        failures.expectNone()
    }

    /// The same seed gives the same inputs, or a failure could not be replayed.
    @Test func theGeneratorIsDeterministic() {
        var first = InputMutator(seed: 7), second = InputMutator(seed: 7)
        let seed = Array(Self.jsonSeeds[0].utf8)
        for _ in 0..<100 {
            #expect(first.mutate(seed, splicingFrom: []) == second.mutate(seed, splicingFrom: []))
        }
    }

    /// Collects broken invariants with the input that broke them; reports the first few.
    struct Failures {
        private var found: [String] = []

        mutating func check(_ input: Data, iteration: Int) {
            record(input, iteration: iteration, DecoderInvariants.violations(decoding: input))
        }

        mutating func record(_ input: Data, iteration: Int, _ violations: [String]) {
            guard !violations.isEmpty else { return }
            found.append("iteration \(iteration), seed \(RandomInputTests.seed), input \(hex(input)): \(violations)")
        }

        func expectNone() {
            #expect(found.isEmpty, "\(found.count) inputs broke a rule; first: \(found.prefix(3).joined(separator: "\n"))")
        }
    }
}
