import Foundation
import Testing

@testable import ObjectStore

/// `SigV4Signer` against published vectors: AWS's Signature Version 4 test suite
/// (aws-sig-v4-test-suite: AKIDEXAMPLE, us-east-1, service "service", 2015-08-30T12:36:00Z)
/// and the worked examples of the S3 API reference ("Signature Calculations for the
/// Authorization Header" and "Authenticating Requests: Using Query Parameters"). Cases marked
/// botocore were signed with botocore's `SigV4Auth`/`S3SigV4QueryAuth` for the same request.
struct SigV4Tests {
    static let suiteSigner = SigV4Signer(
        credentials: SigV4Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Signer = SigV4Signer(
        credentials: SigV4Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    struct SuiteCase: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        var path = "/"
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        let signedHeaders: String
        let signature: String

        var testDescription: String { name }
    }

    static let suite: [SuiteCase] = [
        SuiteCase(
            name: "get-vanilla", method: "GET", signedHeaders: "host;x-amz-date",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        SuiteCase(
            name: "get-vanilla-query-order-key-case", method: "GET", query: [("Param2", "value2"), ("Param1", "value1")],
            signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        SuiteCase(
            name: "get-vanilla-query-order-key (botocore)", method: "GET", query: [("Param1", "value2"), ("Param1", "Value1")],
            signedHeaders: "host;x-amz-date", signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
        SuiteCase(
            name: "get-vanilla-empty-query-key", method: "GET", query: [("Param1", "value1")],
            signedHeaders: "host;x-amz-date", signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        SuiteCase(
            name: "get-vanilla-query-unreserved", method: "GET",
            query: [
                (
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                )
            ],
            signedHeaders: "host;x-amz-date", signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        SuiteCase(
            name: "get-vanilla-utf8-query", method: "GET", query: [("\u{1234}", "bar")],
            signedHeaders: "host;x-amz-date", signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        SuiteCase(
            name: "get-unreserved", method: "GET", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            signedHeaders: "host;x-amz-date", signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        SuiteCase(
            name: "get-utf8", method: "GET", path: "/\u{1234}",
            signedHeaders: "host;x-amz-date", signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        SuiteCase(
            name: "get-header-key-duplicate", method: "GET",
            headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        SuiteCase(
            name: "get-header-value-order", method: "GET",
            headers: [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        SuiteCase(
            name: "get-header-value-trim", method: "GET", headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        SuiteCase(
            name: "post-vanilla", method: "POST", signedHeaders: "host;x-amz-date",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        SuiteCase(
            name: "post-vanilla-query", method: "POST", query: [("Param1", "value1")], signedHeaders: "host;x-amz-date",
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        SuiteCase(
            name: "post-vanilla-query-nonunreserved", method: "POST",
            query: [("@#$%^", ""), ("+", "/,?><`\";:\\|][{}")], signedHeaders: "host;x-amz-date",
            signature: "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"),
        SuiteCase(
            name: "post-vanilla-query-space", method: "POST", query: [("p", "")], signedHeaders: "host;x-amz-date",
            signature: "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b"),
        SuiteCase(
            name: "post-header-key-sort", method: "POST", headers: [("My-Header1", "value1")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        SuiteCase(
            name: "post-header-value-case", method: "POST", headers: [("My-Header1", "VALUE1")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        SuiteCase(
            name: "post-x-www-form-urlencoded", method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: "Param1=value1", signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        SuiteCase(
            name: "post-sts-header-before", method: "POST",
            headers: [
                (
                    "X-Amz-Security-Token",
                    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
                )
            ],
            signedHeaders: "host;x-amz-date;x-amz-security-token",
            signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]

    @Test(arguments: suite)
    func theTestSuiteSignsAsPublished(_ vector: SuiteCase) {
        let headers = Self.suiteSigner.authorizationHeaders(
            for: SigV4Signer.Request(
                method: vector.method, host: "example.amazonaws.com", path: vector.path, query: vector.query, headers: vector.headers),
            payloadHash: SigV4Signer.sha256Hex(Array(vector.body.utf8)), date: Self.suiteDate, addContentHashHeader: false)
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20150830T123600Z")
        #expect(!headers.contains { $0.0 == "x-amz-content-sha256" })
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        )
    }

    /// get-vanilla's intermediate steps, as the suite's .creq and .sts files give them.
    @Test func theStepsOfGetVanilla() {
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/", query: [],
            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
            payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(
            canonical.request
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            Self.suiteSigner.stringToSign(canonical.request, date: Self.suiteDate)
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
        #expect(SigV4Signer.sha256Hex([UInt8]()) == SigV4Signer.emptyPayloadHash)
    }

    /// The S3 reference's GET object example: a Range header, the empty payload's hash signed.
    @Test func theS3GetObjectExample() {
        let headers = Self.s3Signer.authorizationHeaders(
            for: SigV4Signer.Request(
                method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", headers: [("Range", "bytes=0-9")]),
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(headers.first { $0.0 == "x-amz-content-sha256" }?.1 == SigV4Signer.emptyPayloadHash)
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    /// The S3 reference's PUT object example: `$` in the key is encoded, the body's hash signed.
    @Test func theS3PutObjectExample() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.sha256Hex(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = Self.s3Signer.authorizationHeaders(
            for: SigV4Signer.Request(
                method: "PUT", host: "examplebucket.s3.amazonaws.com", path: "/test$file.text",
                headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")]),
            payloadHash: hash, date: Self.s3Date)
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        )
    }

    /// The S3 reference's presigned GET of examplebucket/test.txt, valid 86400 s.
    @Test func theS3PresignedGetExample() {
        let query = Self.s3Signer.presignedQuery(
            for: SigV4Signer.Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt"),
            expires: 86_400, date: Self.s3Date)
        #expect(
            query
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&X-Amz-SignedHeaders=host"
        )
    }

    /// botocore's presigned PUT of the same path-style request, content type and length signed.
    @Test func aPresignedPutSignsContentTypeAndLength() {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKey: "K", secretKey: "S"), region: "us-east-1")
        let query = signer.presignedQuery(
            for: SigV4Signer.Request(
                method: "PUT", host: "127.0.0.1:18433", path: "/vartalap-test/uploads/a b.jpg",
                headers: [("Content-Type", "image/jpeg"), ("Content-Length", "1234")]),
            expires: 900, date: Date(timeIntervalSince1970: 1_796_605_323))  // 2026-12-07T01:02:03Z
        #expect(query.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"))
        #expect(query.contains("X-Amz-Signature=875de29a84afccf9a1cd21a93112b8d2b50f403ddb4311b59b9212ed3ddebb45"))
    }

    /// botocore's header-signed ListObjectsV2 request: query values with `/` and `=` encoded.
    @Test func aListRequestEncodesItsQuery() {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKey: "K", secretKey: "S"), region: "us-east-1")
        let headers = signer.authorizationHeaders(
            for: SigV4Signer.Request(
                method: "GET", host: "127.0.0.1:18433", path: "/vartalap-test",
                query: [("list-type", "2"), ("prefix", "a/b"), ("continuation-token", "x==")]),
            payloadHash: SigV4Signer.emptyPayloadHash, date: Date(timeIntervalSince1970: 1_796_605_323))
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=K/20261207/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=c75e1302d6ecb33dfab45e18d65066066a6fc5bdafc70fa5acfa3a4c59031e27"
        )
        #expect(
            SigV4Signer.canonicalQuery([("list-type", "2"), ("prefix", "a/b"), ("continuation-token", "x==")])
                == "continuation-token=x%3D%3D&list-type=2&prefix=a%2Fb")
    }

    @Test func datesAreWrittenInUTC() {
        #expect(AmzDate(Date(timeIntervalSince1970: 0)).timestamp == "19700101T000000Z")
        #expect(AmzDate(Date(timeIntervalSince1970: 951_782_400)).timestamp == "20000229T000000Z")
        #expect(AmzDate(Date(timeIntervalSince1970: 1_709_251_199.9)).timestamp == "20240229T235959Z")
        #expect(AmzDate(Self.suiteDate).day == "20150830")
        #expect(AmzDate(Date(timeIntervalSince1970: 4_102_444_800)).timestamp == "21000101T000000Z")
    }

    @Test func encodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.uriEncode("a b+c/d~e", keepSlash: true) == "a%20b%2Bc/d~e")
        #expect(SigV4Signer.uriEncode("a b+c/d~e", keepSlash: false) == "a%20b%2Bc%2Fd~e")
        #expect(SigV4Signer.uriEncode("é", keepSlash: false) == "%C3%A9")
    }
}
