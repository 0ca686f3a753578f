import Foundation

/// A strict RFC 8259 parser for client frames. Written here rather than using
/// `JSONSerialization` because that one turns every number into a `Double`-backed `NSNumber`
/// (losing literal text and the bool/number distinction) and because client input must end in
/// a `ProtocolError`, whatever it is: invalid UTF-8, lone surrogates and hostile nesting included.
struct JSONParser {
    /// Far beyond any real envelope, far below what would exhaust the stack.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    private init(_ data: Data) {
        bytes = Array(data)
    }

    static func parse(_ data: Data) throws(ProtocolError) -> JSONValue {
        var parser = JSONParser(data)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else {
            throw parser.failure("unexpected data after the JSON value")
        }
        return value
    }

    private func failure(_ reason: String) -> ProtocolError {
        .malformedJSON("\(reason) at byte \(position)")
    }

    private var current: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    private mutating func parseValue() throws(ProtocolError) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw failure("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(ProtocolError) {
        for expected in literal.utf8 {
            guard current == expected else { throw failure("invalid literal") }
            position += 1
        }
    }

    private mutating func enterContainer() throws(ProtocolError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw failure("nested deeper than \(Self.maximumDepth) levels")
        }
        position += 1
        skipWhitespace()
    }

    private mutating func parseObject() throws(ProtocolError) -> JSONValue {
        try enterContainer()
        var members: [String: JSONValue] = [:]
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected an object key") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            skipWhitespace()
            // A repeated key keeps its last value, as JavaScript clients would see it.
            members[key] = try parseValue()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default:
                throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(ProtocolError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default:
                throw failure("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(ProtocolError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            guard skipDigits() else { throw failure("invalid number") }
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() else { throw failure("invalid number") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() else { throw failure("invalid number") }
        }
        // The bytes are ASCII digits and signs only, so this always succeeds.
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Whether at least one digit was consumed.
    private mutating func skipDigits() -> Bool {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            position += 1
        }
        return position > start
    }

    private mutating func parseString() throws(ProtocolError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in string")
                }
                return text
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case ..<0x20:
                throw failure("unescaped control character in string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(ProtocolError) {
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"): utf8 += Array(String(try parseUnicodeEscape()).utf8)
        default: throw failure("invalid escape")
        }
    }

    /// `\uXXXX`, joining a UTF-16 surrogate pair; a lone surrogate has no `String` form.
    private mutating func parseUnicodeEscape() throws(ProtocolError) -> Unicode.Scalar {
        let unit = try parseHex4()
        var scalarValue = UInt32(unit)
        if (0xD800..<0xDC00).contains(unit) {
            guard current == UInt8(ascii: "\\") else { throw failure("lone surrogate") }
            position += 1
            guard current == UInt8(ascii: "u") else { throw failure("lone surrogate") }
            position += 1
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate") }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw failure("lone surrogate") }
        return scalar
    }

    private mutating func parseHex4() throws(ProtocolError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("unterminated escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
