import Foundation

/// One value inside a `Document`: the subset of BSON types the services store.
///
/// Integer literals become `.int64` because Swift's `Int` is 64 bits wide; the server compares
/// numbers by value whatever their BSON width, so filters such as `["age": 30]` match fields
/// stored as int32 too.
public enum BSONValue: Sendable, Hashable {
    case string(String)
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case document(Document)
    case array([BSONValue])
    /// A BSON UTC datetime, in milliseconds since 1970-01-01. TTL indexes only expire
    /// documents whose indexed field holds this type.
    case date(millisecondsSince1970: Int64)
    /// A 12-byte ObjectId as 24 hexadecimal characters; the server adds one as `_id` to
    /// documents inserted without an `_id`.
    case objectID(String)
}

extension BSONValue {
    /// A BSON datetime for `date`, rounded to the whole milliseconds BSON stores.
    public static func date(_ date: Date) -> BSONValue {
        .date(millisecondsSince1970: date.bsonMilliseconds)
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of any integer type, or of a double that holds a whole number, because the
    /// server and the JSON bridge may change an integer's BSON width.
    public var intValue: Int? {
        switch self {
        case .int32(let value): return Int(value)
        case .int64(let value): return Int(exactly: value)
        case .double(let value): return Int(exactly: value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var documentValue: Document? {
        if case .document(let value) = self { return value }
        return nil
    }

    public var arrayValue: [BSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

extension Date {
    /// Rounded to the nearest millisecond, not truncated, so that a time read back from
    /// milliseconds (`1_700_000_000.123`) does not lose one to binary floating point.
    var bsonMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }
}

extension BSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension BSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int64(value) }
}

extension BSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension BSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension BSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension BSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
}

extension BSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self = .document(Document(elements))
    }
}
