import Crypto
import Foundation

/// An access key pair of an S3-compatible store.
public struct SigV4Credentials: Sendable, Equatable {
    public let accessKey: String
    public let secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }
}

/// AWS Signature Version 4 (docs.aws.amazon.com, "Signature Version 4 signing process"),
/// both ways S3 accepts it: an `Authorization` header, or the query of a presigned URL.
///
/// Pure: the time is a parameter, nothing is sent. The canonical URI follows S3's rule, which
/// the generic test suite's vectors also satisfy: the path is percent-encoded once (every byte
/// but the unreserved characters and `/`) and never normalised, since `a/../b` and `a//b` are
/// distinct object keys.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of requests whose body is not hashed (presigned URLs, streamed bodies).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Longest lifetime S3 accepts for a presigned URL: 7 days.
    public static let maxPresignedExpiry = 604_800

    public let credentials: SigV4Credentials
    public let region: String
    public let service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What is signed about one request. `path` is the decoded path (`/bucket/key with spaces`),
    /// `query` the decoded query items; `host` is what the Host header will carry (with the
    /// port when it is not the scheme's default).
    public struct Request: Sendable {
        public var method: String
        public var host: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]

        public init(method: String, host: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = []) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    // MARK: Header authentication

    /// The headers to add to `request` for header authentication: `x-amz-date`,
    /// `x-amz-content-sha256` when `addContentHashHeader` (S3 needs it on every request), and
    /// `Authorization`. `payloadHash` is the hex SHA-256 of the body, or `unsignedPayload`.
    public func authorizationHeaders(
        for request: Request, payloadHash: String, date: Date, addContentHashHeader: Bool = true
    ) -> [(String, String)] {
        let stamp = AmzDate(date)
        var added: [(String, String)] = [("x-amz-date", stamp.timestamp)]
        if addContentHashHeader { added.append(("x-amz-content-sha256", payloadHash)) }
        let headers = [("host", request.host)] + request.headers + added
        let canonical = Self.canonicalRequest(
            method: request.method, path: request.path, query: request.query, headers: headers, payloadHash: payloadHash)
        let signature = sign(canonical.request, at: stamp)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKey)/\(scope(stamp)), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    // MARK: Query authentication (presigned URLs)

    /// The full query of a presigned URL for `request`, valid `expires` seconds from `date`:
    /// the request's own items, the `X-Amz-*` parameters and the signature, each pair
    /// percent-encoded and joined with `&`. Headers in `request.headers` (e.g. content-type,
    /// content-length) are signed too, so the store refuses a request that sends others.
    public func presignedQuery(for request: Request, expires: Int, date: Date) -> String {
        let stamp = AmzDate(date)
        let headers = [("host", request.host)] + request.headers
        let signedHeaders = Self.canonicalHeaders(headers).names
        let query =
            request.query + [
                ("X-Amz-Algorithm", Self.algorithm),
                ("X-Amz-Credential", "\(credentials.accessKey)/\(scope(stamp))"),
                ("X-Amz-Date", stamp.timestamp),
                ("X-Amz-Expires", String(expires)),
                ("X-Amz-SignedHeaders", signedHeaders),
            ]
        let canonical = Self.canonicalRequest(
            method: request.method, path: request.path, query: query, headers: headers, payloadHash: Self.unsignedPayload)
        let signature = sign(canonical.request, at: stamp)
        return Self.canonicalQuery(query + [("X-Amz-Signature", signature)])
    }

    // MARK: The steps, visible to tests

    /// The canonical request and its signed header names (`host;x-amz-date`).
    public static func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (request: String, signedHeaders: String) {
        let canonical = canonicalHeaders(headers)
        let request = [
            method.uppercased(),
            canonicalURI(path),
            canonicalQuery(query),
            canonical.block,
            canonical.names,
            payloadHash,
        ].joined(separator: "\n")
        return (request, canonical.names)
    }

    public func stringToSign(_ canonicalRequest: String, date: Date) -> String {
        let stamp = AmzDate(date)
        return stringToSign(canonicalRequest, stamp)
    }

    /// The hex signature of `canonicalRequest` made at `date`.
    public func signature(of canonicalRequest: String, date: Date) -> String {
        sign(canonicalRequest, at: AmzDate(date))
    }

    static func canonicalURI(_ path: String) -> String {
        let encoded = uriEncode(path, keepSlash: true)
        return encoded.isEmpty ? "/" : (encoded.hasPrefix("/") ? encoded : "/" + encoded)
    }

    /// Pairs encoded, then sorted by encoded name and then by encoded value.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (uriEncode(pair.0, keepSlash: false), uriEncode(pair.1, keepSlash: false))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// Lowercased names, sorted; values trimmed, runs of spaces folded into one, and the values
    /// of repeated headers joined with commas in the order they came.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (block: String, names: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(foldSpaces(value))
        }
        let names = values.keys.sorted()
        let block = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - . _ ~`
    /// (and `/` when `keepSlash`) becomes `%XY` of its UTF-8 bytes, upper-case hex.
    public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out.append("%")
                out.unicodeScalars.append(Unicode.Scalar(Hex.upper[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(Hex.upper[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        Hex.lower(SHA256.hash(data: bytes))
    }

    // MARK: Private

    private func scope(_ stamp: AmzDate) -> String {
        "\(stamp.day)/\(region)/\(service)/aws4_request"
    }

    private func stringToSign(_ canonicalRequest: String, _ stamp: AmzDate) -> String {
        [Self.algorithm, stamp.timestamp, scope(stamp), Self.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    private func sign(_ canonicalRequest: String, at stamp: AmzDate) -> String {
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretKey).utf8))
        for part in [stamp.day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign(canonicalRequest, stamp).utf8), using: key)
        return Hex.lower(mac)
    }

    private static func foldSpaces(_ value: String) -> String {
        var out = ""
        var lastWasSpace = false
        for character in value.trimmingCharacters(in: .whitespaces) {
            if character == " " {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        return out
    }
}

/// A time as SigV4 writes it, in UTC: `20150830T123600Z` and its day `20150830`.
struct AmzDate {
    let timestamp: String
    let day: String

    init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, dayOfMonth) = Self.civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        day = "\(year)\(two(month))\(two(dayOfMonth))"
        timestamp = "\(day)T\(two(secondOfDay / 3600))\(two(secondOfDay % 3600 / 60))\(two(secondOfDay % 60))Z"
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

enum Hex {
    static let upper = Array("0123456789ABCDEF".utf8)
    static let lowerDigits = Array("0123456789abcdef".utf8)

    static func lower(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(lowerDigits[Int(byte >> 4)])
            out.append(lowerDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
