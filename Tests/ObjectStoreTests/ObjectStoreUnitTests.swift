import ArgumentParser
import AsyncHTTPClient
import Foundation
import Testing

@testable import ObjectStore

/// What the client and its flags do without a store: XML answers, errors, URLs, options.
struct ObjectStoreUnitTests {
    @Test func aListingIsRead() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix>\
            <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>\
            <Contents><Key>p/a&amp;b.txt</Key><LastModified>2026-12-07T00:00:00.000Z</LastModified>\
            <ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>\
            <Contents><Key>p/c</Key><Size>0</Size></Contents>\
            <NextContinuationToken>tok&#x3D;=</NextContinuationToken></ListBucketResult>
            """
        let contents = S3XML.elements("Contents", in: Substring(xml))
        #expect(contents.count == 2)
        #expect(S3XML.value("Key", in: contents[0]) == "p/a&b.txt", "<KeyCount> is not <Key>")
        #expect(S3XML.value("ETag", in: contents[0]) == "\"abc\"")
        #expect(S3XML.value("Size", in: contents[1]) == "0")
        #expect(S3XML.value("NextContinuationToken", in: Substring(xml)) == "tok==")
        #expect(S3XML.value("Prefix", in: Substring("<Prefix/>")) == "")
        #expect(S3XML.decodeEntities("a &bogus; & b &#65;") == "a &bogus; & b A")
    }

    @Test func errorAnswersBecomeTypedErrors() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>"
        #expect(ObjectStoreError.from(status: 403, body: body, resource: "k") == .accessDenied(code: "SignatureDoesNotMatch", message: "no"))
        #expect(ObjectStoreError.from(status: 404, body: "", resource: "k") == .notFound("k"))
        #expect(ObjectStoreError.from(status: 503, body: "<Error><Code>SlowDown</Code></Error>", resource: "k") == .unavailable("status 503 SlowDown"))
        #expect(
            ObjectStoreError.from(status: 409, body: "<Error><Code>BucketAlreadyOwnedByYou</Code></Error>", resource: "b")
                == .failed(status: 409, code: "BucketAlreadyOwnedByYou", message: nil))
        #expect(ObjectStoreError.from(status: 500, body: "oops", resource: "k") == .failed(status: 500, code: nil, message: nil))
    }

    @Test func endpointsAreParsed() throws {
        let local = try #require(ObjectStoreEndpoint("http://127.0.0.1:8333"))
        #expect(local.hostHeader == "127.0.0.1:8333")
        #expect(local.pathPrefix == "")
        let public_ = try #require(ObjectStoreEndpoint("https://chat.example.com/objects/"))
        #expect(public_.hostHeader == "chat.example.com")
        #expect(public_.port == 443)
        #expect(public_.pathPrefix == "/objects")
        #expect(ObjectStoreEndpoint("ftp://host") == nil)
        #expect(ObjectStoreEndpoint("http://user:pw@host") == nil)
        #expect(ObjectStoreEndpoint("http://host/?a=b") == nil)
        #expect(ObjectStoreEndpoint("not a url") == nil)
    }

    @Test func bucketNamesFollowS3sRules() {
        #expect(ObjectStoreConfiguration.isValidBucketName("vartalap-media"))
        #expect(ObjectStoreConfiguration.isValidBucketName("a.b-1"))
        #expect(!ObjectStoreConfiguration.isValidBucketName("ab"))
        #expect(!ObjectStoreConfiguration.isValidBucketName("Upper"))
        #expect(!ObjectStoreConfiguration.isValidBucketName("-start"))
        #expect(!ObjectStoreConfiguration.isValidBucketName("end."))
        #expect(!ObjectStoreConfiguration.isValidBucketName("a..b"))
        #expect(!ObjectStoreConfiguration.isValidBucketName("has/slash"))
    }

    /// The S3 reference's presigned GET, made by the client for a virtual-hosted bucket.
    @Test func theClientPresignsTheS3Example() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ObjectStoreClient(
            configuration: ObjectStoreConfiguration(
                endpoint: try #require(ObjectStoreEndpoint("https://s3.amazonaws.com")), bucket: "examplebucket",
                credentials: SigV4Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                pathStyle: false),
            httpClient: http)
        let url = client.presignedURL(.get, key: "test.txt", expires: .seconds(86_400), now: SigV4Tests.s3Date)
        #expect(url.hasPrefix("https://examplebucket.s3.amazonaws.com/test.txt?"))
        #expect(url.contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        try await http.shutdown()
    }

    /// A public URL puts its host (signed) and its prefix (not signed) in the URL.
    @Test func aPublicURLIsSignedForItsHost() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let credentials = SigV4Credentials(accessKey: "K", secretKey: "S")
        let endpoint = try #require(ObjectStoreEndpoint("http://127.0.0.1:18433"))
        let direct = ObjectStoreClient(
            configuration: ObjectStoreConfiguration(endpoint: endpoint, bucket: "media", credentials: credentials), httpClient: http)
        let proxied = ObjectStoreClient(
            configuration: ObjectStoreConfiguration(
                endpoint: endpoint, bucket: "media", credentials: credentials,
                publicURL: ObjectStoreEndpoint("https://chat.example.com/objects")),
            httpClient: http)
        let samePublicHost = ObjectStoreClient(
            configuration: ObjectStoreConfiguration(
                endpoint: try #require(ObjectStoreEndpoint("http://10.0.0.9:8333")), bucket: "media", credentials: credentials,
                publicURL: ObjectStoreEndpoint("https://chat.example.com")),
            httpClient: http)
        let now = Date(timeIntervalSince1970: 1_796_605_323)
        let directURL = direct.presignedURL(.put, key: "u/a b.jpg", expires: .seconds(900), contentType: "image/jpeg", now: now)
        #expect(directURL.hasPrefix("http://127.0.0.1:18433/media/u/a%20b.jpg?"))
        #expect(directURL.contains("X-Amz-SignedHeaders=content-type%3Bhost"))
        let proxiedURL = proxied.presignedURL(.get, key: "u/a b.jpg", expires: .seconds(900), now: now)
        #expect(proxiedURL.hasPrefix("https://chat.example.com/objects/media/u/a%20b.jpg?"))
        let otherURL = samePublicHost.presignedURL(.get, key: "u/a b.jpg", expires: .seconds(900), now: now)
        #expect(
            Self.signature(of: proxiedURL) == Self.signature(of: otherURL),
            "the prefix is not signed, and the endpoint the service uses does not matter")
        #expect(Self.signature(of: proxiedURL) != Self.signature(of: direct.presignedURL(.get, key: "u/a b.jpg", expires: .seconds(900), now: now)))
        let longest = direct.presignedURL(.get, key: "k", expires: .seconds(30 * 86_400), now: now)
        #expect(longest.contains("X-Amz-Expires=604800"), "S3 takes at most 7 days")
        try await http.shutdown()
    }

    @Test func optionsFallBackToNoStoreAndHideTheSecret() throws {
        let off = try ObjectStoreOptions.parse([])
        #expect(!off.isConfigured)
        #expect(throws: (any Error).self) { try off.requireConfigured() }
        let on = try ObjectStoreOptions.parse([
            "--s3-endpoint", "http://127.0.0.1:8333", "--s3-bucket", "media", "--s3-access-key", "K", "--s3-secret-key", "sekrit",
            "--s3-public-url", "http://127.0.0.1:8080",
        ])
        #expect(on.isConfigured)
        let configuration = try on.configuration()
        #expect(configuration.credentials == SigV4Credentials(accessKey: "K", secretKey: "sekrit"))
        #expect(configuration.pathStyle)
        #expect(configuration.region == "us-east-1")
        #expect(configuration.publicURL?.hostHeader == "127.0.0.1:8080")
        #expect(on.redactedSummary["s3SecretKey"] == "(hidden)")
        #expect(!on.redactedSummary.values.contains { $0.contains("sekrit") })
    }

    @Test func theSecretMayComeFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("s3-secret-\(UUID().uuidString)")
        try Data("  from-file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let options = try ObjectStoreOptions.parse([
            "--s3-endpoint", "http://127.0.0.1:8333", "--s3-access-key", "K", "--s3-secret-key-file", file.path,
        ])
        #expect(try options.configuration().credentials.secretKey == "from-file")
        #expect(!options.redactedSummary.values.contains { $0.contains("from-file") })
    }

    @Test func badOptionsAreRefused() {
        let base = ["--s3-access-key", "K", "--s3-secret-key", "S"]
        for arguments in [
            ["--s3-endpoint", "127.0.0.1:8333"] + base,
            ["--s3-endpoint", "http://h:1/prefix"] + base,
            ["--s3-endpoint", "http://h:1", "--s3-bucket", "No_Such"] + base,
            ["--s3-endpoint", "http://h:1", "--s3-secret-key", "S"],
            ["--s3-endpoint", "http://h:1", "--s3-access-key", "K"],
            ["--s3-endpoint", "http://h:1", "--s3-secret-key-file", "/nonexistent/secret"] + ["--s3-access-key", "K"],
            ["--s3-endpoint", "http://h:1", "--s3-secret-key-file", "/etc/hostname"] + base,
            ["--s3-endpoint", "http://h:1", "--s3-public-url", "chat.example.com"] + base,
            ["--s3-endpoint", "http://h:1", "--s3-timeout-ms", "0"] + base,
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try ObjectStoreOptions.parse(arguments) }
        }
    }

    private static func signature(of url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == "X-Amz-Signature" }?.value
    }
}
