import Foundation
import TestSupport

/// Byte-level mutations of valid frames, biased towards what breaks decoders: JSON structure
/// characters, escapes, invalid UTF-8, huge numbers, deep nesting and protobuf wire tricks.
struct InputMutator {
    var random: SplitMix64

    /// Fragments worth inserting: each one is a known edge of the JSON or protobuf grammar.
    static let tokens: [[UInt8]] = {
        let text = [
            "{", "}", "[", "]", "\"", "\\", ":", ",", " ", "\\u", "\\ud800", "\\udfff", "\\ud83d\\ude00",
            "\\u0000", "\\x", "null", "true", "false", "tru", "-", "-0", "0.", "1e", "1e999999999",
            "-1e-999999999", "123456789012345678901234567890", "2.1", "1", "\"_v\"", "\"id\"", "\"head\"",
            "\"to\"", "\"from\"", "\"type\"", "\"contentType\"", "\"ephemeral\"", "\"meta\"", "\"body\"",
            "\"msgId\"", "\"chatType\"", "\"module\"", "\"text\"", "\"GROUP\"", "\"SERVER_ACK\"", "\"server\"",
        ].map { Array($0.utf8) }
        let bytes: [[UInt8]] = [
            [0x00], [0x80], [0xBF], [0xC0, 0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF], [0xFE],
            // Protobuf: an over-long varint, a group start and end, a length far past the end.
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x0B], [0x0C], [0x0A, 0xFF, 0xFF, 0xFF, 0x0F],
            [0x1A, 0x00], [0x52, 0x02, 0x0A, 0x00], [0x18, 0xFF, 0x01], [0x20, 0x80, 0x80, 0x80, 0x80, 0x10],
        ]
        return text + bytes
    }()

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &random)
    }

    mutating func chance(_ percent: Int) -> Bool {
        int(1...100) <= percent
    }

    /// One to four mutations of `input`; `others` can be spliced in.
    mutating func mutate(_ input: [UInt8], splicingFrom others: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0..<int(1...4) {
            bytes = mutateOnce(bytes, others: others)
        }
        return bytes
    }

    private mutating func position(in bytes: [UInt8]) -> Int {
        bytes.isEmpty ? 0 : int(0...bytes.count)
    }

    private mutating func mutateOnce(_ bytes: [UInt8], others: [[UInt8]]) -> [UInt8] {
        var bytes = bytes
        switch int(0...9) {
        case 0 where !bytes.isEmpty:
            let index = int(0...bytes.count - 1)
            bytes[index] ^= UInt8(1) << UInt8(int(0...7))
        case 1 where !bytes.isEmpty:
            bytes[int(0...bytes.count - 1)] = UInt8.random(in: 0...255, using: &random)
        case 2:
            bytes.removeLast(bytes.count - position(in: bytes))
        case 3 where !bytes.isEmpty:
            let start = int(0...bytes.count - 1)
            bytes.removeSubrange(start..<min(bytes.count, start + int(1...16)))
        case 4:
            let noise = (0..<int(1...16)).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: noise, at: position(in: bytes))
        case 5, 6:
            bytes.insert(contentsOf: Self.tokens[int(0...Self.tokens.count - 1)], at: position(in: bytes))
        case 7 where !bytes.isEmpty:
            let start = int(0...bytes.count - 1)
            let slice = bytes[start..<min(bytes.count, start + int(1...32))]
            bytes.insert(contentsOf: slice, at: position(in: bytes))
        case 8 where !others.isEmpty:
            let other = others[int(0...others.count - 1)]
            let cut = position(in: other)
            bytes = Array(bytes.prefix(position(in: bytes))) + other[cut...]
        default:
            bytes = nest(bytes)
        }
        return bytes
    }

    /// Wraps the input in arrays or objects, sometimes past the decoder's depth limit.
    private mutating func nest(_ bytes: [UInt8]) -> [UInt8] {
        let depth = int(1...100)
        let asObject = chance(50)
        let open = Array((asObject ? #"{"a":"# : "[").utf8)
        let close = Array((asObject ? "}" : "]").utf8)
        return Array(repeating: open, count: depth).flatMap { $0 } + bytes
            + Array(repeating: close, count: depth).flatMap { $0 }
    }
}

/// A JSON document built in the test, so structured mutations can swap one member's type and
/// still produce valid JSON (a byte mutation almost never does).
indirect enum JSONTree: Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([(String, JSONTree)])

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let literal): literal
        case .string(let value): Self.quoted(value)
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { Self.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}": out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Paths to every member and element, the root excluded.
    var paths: [[Int]] {
        let children: [JSONTree]
        switch self {
        case .array(let elements): children = elements
        case .object(let members): children = members.map(\.1)
        default: return []
        }
        return children.enumerated().flatMap { index, child in
            [[index]] + child.paths.map { [index] + $0 }
        }
    }

    /// The tree with the node at `path` replaced, or removed when `replacement` is nil.
    func replacing(_ path: ArraySlice<Int>, with replacement: JSONTree?) -> JSONTree {
        guard let index = path.first else { return replacement ?? self }
        switch self {
        case .array(var elements):
            if path.count == 1, replacement == nil {
                elements.remove(at: index)
            } else {
                elements[index] = elements[index].replacing(path.dropFirst(), with: replacement)
            }
            return .array(elements)
        case .object(var members):
            if path.count == 1, replacement == nil {
                members.remove(at: index)
            } else {
                members[index].1 = members[index].1.replacing(path.dropFirst(), with: replacement)
            }
            return .object(members)
        default:
            return self
        }
    }
}

extension InputMutator {
    /// A value of a random type, hostile ones included: huge or tiny numbers, control
    /// characters and astral-plane text, empty and nested containers.
    mutating func randomTree(depth: Int = 0) -> JSONTree {
        switch int(0...(depth > 3 ? 4 : 7)) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2:
            let numbers = ["0", "-0", "2.1", "1", "2", "1e999", "-1e999", "1e-999", "18446744073709551616", "3.4028236e38", "0.5"]
            return .number(numbers[int(0...numbers.count - 1)])
        case 3:
            let strings = ["", "bob", "alice", "mallory", "server", "GROUP", "individual", "SERVER_ACK", "CLIENT_ACK", "\u{0}\u{1F}", "😀", String(repeating: "x", count: 300)]
            return .string(strings[int(0...strings.count - 1)])
        case 4: return .array([])
        case 5: return .object([])
        case 6: return .array((0..<int(1...3)).map { _ in randomTree(depth: depth + 1) })
        default:
            let keys = ["_v", "id", "to", "from", "type", "contentType", "ephemeral", "text", "x"]
            return .object((0..<int(1...3)).map { _ in (keys[int(0...keys.count - 1)], randomTree(depth: depth + 1)) })
        }
    }

    /// Replaces, removes or adds one member somewhere in `tree`; the result is valid JSON.
    mutating func mutate(_ tree: JSONTree) -> JSONTree {
        let paths = tree.paths
        guard !paths.isEmpty, chance(85) else {
            guard case .object(var members) = tree else { return tree }
            let keys = ["_v", "id", "msgId", "head", "meta", "body", "from", "to", "text", "chatType", "module", "type"]
            members.append((keys[int(0...keys.count - 1)], randomTree()))
            return .object(members)
        }
        let path = paths[int(0...paths.count - 1)]
        return tree.replacing(path[...], with: chance(20) ? nil : randomTree())
    }
}
