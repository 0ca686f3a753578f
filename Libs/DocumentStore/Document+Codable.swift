import CMongoC
import Foundation

// Codable bridging goes through JSON: Foundation's JSON coders do the Codable work and libbson
// turns JSON into BSON. The rules a Codable type should follow:
// - Times: `Date` properties are stored as BSON datetimes (so TTL indexes and date queries
//   work) at whole-millisecond precision; an `Int64` of epoch milliseconds works as well.
// - `_id`: declare it as `String`; a server-made ObjectId decodes as its 24-digit hex string.
// - Dictionary keys beginning with `$` are read by libbson as extended JSON, so avoid them.
// - Non-finite doubles cannot be encoded or decoded.

extension Document {
    /// Encodes `value`, which must encode as a keyed container (a JSON object).
    public init<T: Encodable>(encoding value: T) throws {
        let json: Data
        do {
            json = try Self.makeEncoder().encode(value)
        } catch {
            throw DocumentStoreError.invalidDocument("cannot encode \(T.self): \(error)")
        }
        // libbson would also accept a top-level array, turning it into a document keyed "0", "1", ...
        guard json.first == UInt8(ascii: "{") else {
            throw DocumentStoreError.invalidDocument("\(T.self) does not encode to a JSON object")
        }
        var error = bson_error_t()
        let parsed = json.withUnsafeBytes { bytes in
            bson_new_from_json(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &error)
        }
        guard let parsed else {
            throw DocumentStoreError.invalidDocument(
                "\(T.self) does not encode to a BSON document: \(DocumentStoreError.message(of: error))")
        }
        defer { bson_destroy(parsed) }
        self = try Document(bson: parsed)
    }

    /// Decodes this document as `T`; the error names the field and the reason on failure.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        do {
            return try decoder.decode(T.self, from: Data(try jsonForDecoding().utf8))
        } catch let error as DecodingError {
            throw DocumentStoreError.decoding("\(T.self): \(Self.describe(error))")
        }
    }

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // `{"$date": <milliseconds>}` is the extended-JSON form libbson turns into a datetime.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.container(keyedBy: ExtendedJSONKey.self)
            try container.encode(date.bsonMilliseconds, forKey: .date)
        }
        return encoder
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(key.stringValue) (\(path(context)))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return path(context)
        @unknown default:
            return "\(error)"
        }
    }
}

private enum ExtendedJSONKey: String, CodingKey {
    case date = "$date"
}
