import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What the store knows about one object (HEAD, or a listing's entry).
public struct ObjectInfo: Sendable, Equatable {
    public let key: String
    public let size: Int
    public let contentType: String?
    /// Without the quotes S3 puts around it.
    public let etag: String?
    public let lastModified: String?

    public init(key: String, size: Int, contentType: String?, etag: String?, lastModified: String?) {
        self.key = key
        self.size = size
        self.contentType = contentType
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// An object's bytes and what the store said about them.
public struct StoredObject: Sendable {
    public let info: ObjectInfo
    public let body: ByteBuffer
}

/// One page of a listing; `nextContinuationToken` asks for the next one (nil: the last page).
public struct ObjectListing: Sendable, Equatable {
    public let objects: [ObjectInfo]
    public let nextContinuationToken: String?
}

/// The method a presigned URL is good for.
public enum PresignedMethod: String, Sendable {
    case get = "GET"
    case put = "PUT"
}

/// A small S3 client: the calls services need, signed with SigV4 (`SigV4Signer`), over
/// AsyncHTTPClient. Errors are `ObjectStoreError`s.
public struct ObjectStoreClient: Sendable {
    public let configuration: ObjectStoreConfiguration
    private let http: HTTPClient
    private let signer: SigV4Signer
    /// Bodies of error answers are read up to this much; S3's are a few hundred bytes.
    private static let errorBodyLimit = 64 * 1024

    /// `httpClient` is the caller's, which also shuts it down.
    public init(configuration: ObjectStoreConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        self.http = httpClient
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "s3")
    }

    /// An HTTP client suited to the store: a connection that cannot be made fails the call
    /// after `connectTimeout` (AsyncHTTPClient keeps retrying until then), so a store that is
    /// down is reported as `unavailable` quickly instead of at the request's deadline.
    public static func makeHTTPClient(connectTimeout: Duration = .seconds(2)) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .nanoseconds(nanoseconds(connectTimeout))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: Bucket

    /// Creates the bucket; a bucket that already exists and is ours is fine.
    public func createBucket() async throws {
        var body = ByteBuffer()
        if configuration.region != "us-east-1" {
            body.writeString(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>"
            )
        }
        do {
            _ = try await send("PUT", key: nil, body: body, headers: [], resource: configuration.bucket)
        } catch ObjectStoreError.failed(409, let code, _) where code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
            // BucketAlreadyExists from a store that does not tell owners apart; were the bucket
            // someone else's, the first put would be refused.
            return
        }
    }

    // MARK: Objects

    /// Stores `body` under `key`; returns the new object's ETag.
    @discardableResult
    public func putObject(_ key: String, body: ByteBuffer, contentType: String) async throws -> String? {
        let response = try await send("PUT", key: key, body: body, headers: [("Content-Type", contentType)], resource: key)
        return Self.unquoted(response.headers.first(name: "etag"))
    }

    @discardableResult
    public func putObject(_ key: String, bytes: some Sequence<UInt8>, contentType: String) async throws -> String? {
        try await putObject(key, body: ByteBuffer(bytes: bytes), contentType: contentType)
    }

    /// The object's bytes; `ObjectStoreError.tooLarge` past `maxBytes`.
    public func getObject(_ key: String, maxBytes: Int = 64 * 1024 * 1024) async throws -> StoredObject {
        let response = try await send("GET", key: key, resource: key, bodyLimit: maxBytes)
        return StoredObject(info: Self.info(key: key, headers: response.headers, size: response.body.readableBytes), body: response.body)
    }

    public func headObject(_ key: String) async throws -> ObjectInfo {
        let response = try await send("HEAD", key: key, resource: key)
        let size = response.headers.first(name: "content-length").flatMap(Int.init) ?? 0
        return Self.info(key: key, headers: response.headers, size: size)
    }

    /// Deletes the object; deleting one that is not there is no error (S3 answers 204 either way).
    public func deleteObject(_ key: String) async throws {
        do {
            _ = try await send("DELETE", key: key, resource: key)
        } catch ObjectStoreError.notFound {
            return
        }
    }

    /// One page of the keys that start with `prefix`, in key order.
    public func listObjects(prefix: String = "", continuationToken: String? = nil, maxKeys: Int = 1000) async throws -> ObjectListing {
        var query = [("list-type", "2"), ("max-keys", String(maxKeys))]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await send("GET", key: nil, query: query, resource: configuration.bucket, bodyLimit: 16 * 1024 * 1024)
        let xml = Substring(String(buffer: response.body))
        let objects = S3XML.elements("Contents", in: xml).compactMap { entry -> ObjectInfo? in
            guard let key = S3XML.value("Key", in: entry) else { return nil }
            return ObjectInfo(
                key: key, size: S3XML.value("Size", in: entry).flatMap(Int.init) ?? 0, contentType: nil,
                etag: Self.unquoted(S3XML.value("ETag", in: entry)), lastModified: S3XML.value("LastModified", in: entry))
        }
        let truncated = S3XML.value("IsTruncated", in: xml) == "true"
        let token = truncated ? S3XML.value("NextContinuationToken", in: xml) : nil
        return ObjectListing(objects: objects, nextContinuationToken: token)
    }

    // MARK: Presigned URLs

    /// A URL anyone may use for `method` on `key` until `expires` from `now`, for the public URL
    /// when one is configured. Given a `contentType` or `contentLength`, they are signed: the
    /// store then refuses a PUT that sends other ones.
    public func presignedURL(
        _ method: PresignedMethod, key: String, expires: Duration, contentType: String? = nil, contentLength: Int? = nil,
        now: Date = Date()
    ) -> String {
        let base = configuration.publicURL ?? configuration.endpoint
        var headers: [(String, String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        if let contentLength { headers.append(("content-length", String(contentLength))) }
        let target = address(key: key, base: base)
        let seconds = min(max(Int(expires.components.seconds), 1), SigV4Signer.maxPresignedExpiry)
        let query = signer.presignedQuery(
            for: SigV4Signer.Request(method: method.rawValue, host: target.host, path: target.signedPath, headers: headers),
            expires: seconds, date: now)
        return "\(base.scheme)://\(target.host)\(SigV4Signer.uriEncode(target.urlPath, keepSlash: true))?\(query)"
    }

    // MARK: Private

    private struct Address {
        let host: String
        /// The path the store sees, which the signature covers.
        let signedPath: String
        /// The path in the URL: `signedPath` behind the base's prefix, which a proxy strips.
        let urlPath: String
    }

    /// The store sees `/bucket/key` (or `/key` on the bucket's host); a public URL's prefix is
    /// in front of that in the URL only.
    private func address(key: String?, base: ObjectStoreEndpoint) -> Address {
        let objectPath = key.map { "/\($0)" } ?? ""
        let prefix = Self.decoded(base.pathPrefix)
        if configuration.pathStyle {
            let path = "/\(configuration.bucket)\(objectPath)"
            return Address(host: base.hostHeader, signedPath: path, urlPath: prefix + path)
        }
        let path = objectPath.isEmpty ? "/" : objectPath
        return Address(host: base.hostHeader(bucket: configuration.bucket), signedPath: path, urlPath: prefix + path)
    }

    private struct Answer {
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    /// Sends one signed request; a 2xx comes back, anything else throws.
    private func send(
        _ method: String, key: String?, query: [(String, String)] = [], body: ByteBuffer? = nil,
        headers extraHeaders: [(String, String)] = [], resource: String, bodyLimit: Int = errorBodyLimit
    ) async throws -> Answer {
        let target = address(key: key, base: configuration.endpoint)
        let payload = body ?? ByteBuffer()
        let payloadHash = SigV4Signer.sha256Hex(payload.readableBytesView)
        let signed = signer.authorizationHeaders(
            for: SigV4Signer.Request(method: method, host: target.host, path: target.signedPath, query: query, headers: extraHeaders),
            payloadHash: payloadHash, date: Date())
        let queryText = query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(
            url: "\(configuration.endpoint.scheme)://\(target.host)\(SigV4Signer.uriEncode(target.urlPath, keepSlash: true))\(queryText)")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in extraHeaders + signed { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
            request.body = .bytes(body)
        } else if method == "PUT" {
            request.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(configuration.requestTimeout))
        do {
            let response = try await http.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                let bytes = method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: bodyLimit)
                return Answer(headers: response.headers, body: bytes)
            }
            let text = method == "HEAD" ? "" : String(buffer: (try? await response.body.collect(upTo: Self.errorBodyLimit)) ?? ByteBuffer())
            throw ObjectStoreError.from(status: status, body: text, resource: resource)
        } catch let error as ObjectStoreError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ObjectStoreError.tooLarge(limit: bodyLimit)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw ObjectStoreError.unavailable("no answer within \(configuration.requestTimeout)")
        } catch {
            throw ObjectStoreError.unavailable("\(error)")
        }
    }

    private static func info(key: String, headers: HTTPHeaders, size: Int) -> ObjectInfo {
        ObjectInfo(
            key: key, size: size, contentType: headers.first(name: "content-type"),
            etag: unquoted(headers.first(name: "etag")), lastModified: headers.first(name: "last-modified"))
    }

    private static func unquoted(_ etag: String?) -> String? {
        guard let etag else { return nil }
        return etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }

    private static func decoded(_ prefix: String) -> String {
        prefix.removingPercentEncoding ?? prefix
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
