import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ObjectStore
import Synchronization
import TestSupport
import Testing

/// The client against the real store the test stack runs (SeaweedFS locally), found through
/// the VARTALAP_TEST_S3_* variables; without them these tests fail. Each test keeps its
/// objects under a prefix of its own.
struct ObjectStoreIntegrationTests {
    /// A client of the test stack's store, and a plain HTTP client for presigned URLs.
    final class Harness: Sendable {
        let http: HTTPClient
        let configuration: ObjectStoreConfiguration
        let client: ObjectStoreClient
        let prefix = TestStack.uniqueName("objects") + "/"

        init(publicURL: String? = nil, secretKey: String? = nil, endpoint: String? = nil) throws {
            let endpointText = try endpoint ?? TestStack.s3Endpoint()
            guard let parsed = ObjectStoreEndpoint(endpointText) else {
                throw BadEndpoint(text: endpointText)
            }
            configuration = ObjectStoreConfiguration(
                endpoint: parsed, bucket: try TestStack.s3Bucket(),
                credentials: SigV4Credentials(accessKey: try TestStack.s3AccessKey(), secretKey: try secretKey ?? TestStack.s3SecretKey()),
                publicURL: publicURL.flatMap(ObjectStoreEndpoint.init), requestTimeout: .seconds(5))
            // Made last: a client that is never shut down traps when it goes away.
            http = ObjectStoreClient.makeHTTPClient()
            client = ObjectStoreClient(configuration: configuration, httpClient: http)
        }

        struct BadEndpoint: Error { let text: String }

        private let closed = Mutex(false)

        func close() async throws {
            guard !closed.withLock({ $0 }) else { return }
            closed.withLock { $0 = true }
            try await http.shutdown()
        }

        /// A test that failed before `close()` must not trap the whole test process: the
        /// client keeps itself alive until this shutdown has finished.
        deinit {
            if !closed.withLock({ $0 }) { _ = http.shutdown() }
        }

        /// A request without any signing, as a client holding a presigned URL sends it.
        func plain(_ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (
            status: Int, body: String
        ) {
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await http.execute(request, timeout: .seconds(5))
            let text = String(buffer: try await response.body.collect(upTo: 1024 * 1024))
            return (Int(response.status.code), text)
        }
    }

    @Test func objectsRoundTrip() async throws {
        let harness = try Harness()
        let client = harness.client
        try await client.createBucket()
        try await client.createBucket()  // a second time is fine
        let key = harness.prefix + "hello world.txt"
        let etag = try await client.putObject(key, bytes: Array("hello, store".utf8), contentType: "text/plain")
        #expect(etag?.isEmpty == false)
        let info = try await client.headObject(key)
        #expect(info.size == 12)
        #expect(info.contentType == "text/plain")
        #expect(info.etag == etag)
        let object = try await client.getObject(key)
        #expect(String(buffer: object.body) == "hello, store")
        #expect(object.info.contentType == "text/plain")
        await #expect(throws: ObjectStoreError.tooLarge(limit: 4)) { try await client.getObject(key, maxBytes: 4) }

        for name in ["b", "c", "d/e"] {
            try await client.putObject(harness.prefix + name, bytes: Array(name.utf8), contentType: "application/octet-stream")
        }
        var keys: [String] = []
        var token: String? = nil
        var pages = 0
        repeat {
            let page = try await client.listObjects(prefix: harness.prefix, continuationToken: token, maxKeys: 2)
            keys += page.objects.map(\.key)
            token = page.nextContinuationToken
            pages += 1
        } while token != nil && pages < 10
        #expect(keys == ["b", "c", "d/e", "hello world.txt"].map { harness.prefix + $0 })
        #expect(pages == 2)
        let sizes = try await client.listObjects(prefix: harness.prefix + "d/").objects.map(\.size)
        #expect(sizes == [3])

        try await client.deleteObject(key)
        await #expect(throws: ObjectStoreError.notFound(key)) { try await client.headObject(key) }
        await #expect(throws: ObjectStoreError.notFound(key)) { try await client.getObject(key) }
        try await client.deleteObject(key)  // already gone: no error
        for name in ["b", "c", "d/e"] { try await client.deleteObject(harness.prefix + name) }
        #expect(try await client.listObjects(prefix: harness.prefix).objects.isEmpty)
        try await harness.close()
    }

    @Test func aPresignedPutThenGetWorksOverPlainHTTP() async throws {
        let harness = try Harness()
        let key = harness.prefix + "photo.jpg"
        let body = "not really a jpeg"
        let put = harness.client.presignedURL(
            .put, key: key, expires: .seconds(60), contentType: "image/jpeg", contentLength: body.utf8.count)
        let wrongType = try await harness.plain(.PUT, put, body: body, headers: [("Content-Type", "image/png")])
        #expect(wrongType.status == 403, "the signed content type is enforced")
        let wrongLength = try await harness.plain(.PUT, put, body: body + "!", headers: [("Content-Type", "image/jpeg")])
        #expect(wrongLength.status == 403, "the signed length is enforced")
        let stored = try await harness.plain(.PUT, put, body: body, headers: [("Content-Type", "image/jpeg")])
        #expect(stored.status == 200)
        let info = try await harness.client.headObject(key)
        #expect(info.size == body.utf8.count)
        #expect(info.contentType == "image/jpeg")

        let get = harness.client.presignedURL(.get, key: key, expires: .seconds(60))
        let fetched = try await harness.plain(.GET, get)
        #expect(fetched.status == 200)
        #expect(fetched.body == body)
        try await harness.client.deleteObject(key)
        try await harness.close()
    }

    @Test func tamperedExpiredAndUnsignedRequestsAreRefused() async throws {
        let harness = try Harness()
        let key = harness.prefix + "secret.txt"
        try await harness.client.putObject(key, bytes: Array("secret".utf8), contentType: "text/plain")
        let url = harness.client.presignedURL(.get, key: key, expires: .seconds(60))
        #expect(try await harness.plain(.GET, url).status == 200)

        let signature = try #require(url.range(of: "X-Amz-Signature=")).upperBound
        let flipped = url[signature] == "0" ? "1" : "0"
        let tampered = url.replacingCharacters(in: signature...signature, with: flipped)
        #expect(try await harness.plain(.GET, tampered).status == 403)

        let otherKey = url.replacingOccurrences(of: "secret.txt", with: "secret2.txt")
        #expect(try await harness.plain(.GET, otherKey).status == 403, "a signature is for its own key only")

        let expired = harness.client.presignedURL(.get, key: key, expires: .seconds(60), now: Date().addingTimeInterval(-3600))
        #expect(try await harness.plain(.GET, expired).status == 403)

        let unsigned = "\(harness.configuration.endpoint)/\(harness.configuration.bucket)/\(SigV4Signer.uriEncode(key, keepSlash: true))"
        #expect(try await harness.plain(.GET, unsigned).status == 403)

        let wrongSecret = try Harness(secretKey: "not-the-secret")
        await #expect {
            try await wrongSecret.client.headObject(key)
        } throws: { error in
            if case ObjectStoreError.accessDenied = error { return true }
            return false
        }
        try await wrongSecret.close()
        try await harness.client.deleteObject(key)
        try await harness.close()
    }

    /// A URL made for another host name of the same store (as clients behind a proxy use) is
    /// signed for that host, and the store accepts it when asked under that name.
    @Test func aPublicURLIsUsable() async throws {
        let endpoint = try #require(ObjectStoreEndpoint(try TestStack.s3Endpoint()))
        guard endpoint.host == "127.0.0.1" else { return }
        let harness = try Harness(publicURL: "\(endpoint.scheme)://localhost:\(endpoint.port)")
        let key = harness.prefix + "public.txt"
        try await harness.client.putObject(key, bytes: Array("public".utf8), contentType: "text/plain")
        let url = harness.client.presignedURL(.get, key: key, expires: .seconds(60))
        #expect(url.hasPrefix("\(endpoint.scheme)://localhost:\(endpoint.port)/"))
        let fetched = try await harness.plain(.GET, url)
        #expect(fetched.status == 200)
        #expect(fetched.body == "public")
        try await harness.client.deleteObject(key)
        try await harness.close()
    }

    @Test func aStoreThatIsDownIsUnavailable() async throws {
        let harness = try Harness(endpoint: "http://127.0.0.1:\(try freePort())")
        for call in [
            { try await harness.client.headObject("k") as Any },
            { try await harness.client.putObject("k", bytes: [1], contentType: "application/octet-stream") as Any },
            { try await harness.client.listObjects() as Any },
        ] as [@Sendable () async throws -> Any] {
            await #expect {
                _ = try await call()
            } throws: { error in
                if case ObjectStoreError.unavailable = error { return true }
                return false
            }
        }
        try await harness.close()
    }
}
