import AsyncHTTPClient
import Auth
import DocumentStore
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ObjectStore
import PublicAPI
import Synchronization
import TestSupport

@testable import MediaService

/// media-ms's routes in process, against the test stack's database and object store (the
/// VARTALAP_TEST_MONGO_URL and VARTALAP_TEST_S3_* variables; without them the tests fail).
/// Each harness has a database and a key prefix of its own.
final class MediaHarness: Sendable {
    struct BadEndpoint: Error { let text: String }

    let database: DocumentStore
    let databaseName = TestStack.uniqueName("media-tests")
    let keyPrefix = TestStack.uniqueName("media").replacingOccurrences(of: "-", with: "_")
    let http: HTTPClient
    let objects: ObjectStoreClient
    let store: MediaStore
    let operations: MediaOperations
    let limits: MediaLimits
    private let keys: AccessKeyStore
    private let verifier: AccessKeyVerifier

    /// `endpoint` replaces the test stack's store, e.g. with a port nothing listens on.
    init(maxUploadBytes: Int = 1024, maxPendingUploads: Int = 200, endpoint: String? = nil) async throws {
        let endpointText = try endpoint ?? TestStack.s3Endpoint()
        guard let parsed = ObjectStoreEndpoint(endpointText) else { throw BadEndpoint(text: endpointText) }
        let configuration = ObjectStoreConfiguration(
            endpoint: parsed, bucket: try TestStack.s3Bucket(),
            credentials: SigV4Credentials(accessKey: try TestStack.s3AccessKey(), secretKey: try TestStack.s3SecretKey()),
            requestTimeout: .seconds(5))
        let mongoURL = try TestStack.mongoURL()
        // Made once nothing else can throw: a client that is never shut down traps when it goes away.
        database = try DocumentStore(uri: mongoURL)
        http = ObjectStoreClient.makeHTTPClient()
        objects = ObjectStoreClient(configuration: configuration, httpClient: http)
        store = MediaStore(collection: database.collection(MediaStore.collectionName, in: databaseName))
        limits = MediaLimits(
            maxUploadBytes: maxUploadBytes, maxPendingUploads: maxPendingUploads, uploadURLTTL: .seconds(60), downloadURLTTL: .seconds(60),
            unconfirmedUploadTTL: .seconds(3600), sweepInterval: .seconds(3600))
        operations = MediaOperations(
            store: store, objects: objects, types: .defaults, limits: limits, keyPrefix: keyPrefix, metrics: MediaMetrics())
        keys = AccessKeyStore(store: database, database: databaseName)
        verifier = AccessKeyVerifier(store: database, database: databaseName, logger: TestStack.logger)
        do {
            try await store.createIndexes()
            try await keys.createIndexes()
        } catch {
            closed.withLock { $0 = true }
            try? await http.shutdown()
            await database.close()
            throw error
        }
    }

    /// The router media-ms serves, as `MediaCommand` builds it.
    func application() -> some ApplicationProtocol {
        let router = Router(context: AuthenticatedContext.self)
        router.add(middleware: JSONErrorMiddleware())
        MediaRoutes(operations: operations, verifier: verifier).add(to: router)
        return Application(router: router)
    }

    func sweeper() -> UploadSweeper {
        UploadSweeper(store: store, objects: objects, limits: limits, metrics: MediaMetrics(), logger: TestStack.logger)
    }

    /// The headers of a freshly logged-in `user`.
    func credentials(_ user: String) async throws -> HTTPFields {
        let key = try await keys.issue(user: user, device: "test", lifetime: .seconds(600))
        return [.init("user")!: user, .init("accesskey")!: key]
    }

    /// A request as an app sends it with a presigned URL: no signing of its own.
    func plain(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, contentType: String? = nil) async throws -> (
        status: Int, body: [UInt8]
    ) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    private let closed = Mutex(false)

    func close() async throws {
        guard !closed.withLock({ $0 }) else { return }
        closed.withLock { $0 = true }
        try await database.collection(MediaStore.collectionName, in: databaseName).drop()
        try await database.collection(AccessKeys.collectionName, in: databaseName).drop()
        await database.close()
        try await http.shutdown()
    }

    /// A test that failed before `close()` must not trap the whole test process: the client
    /// keeps itself alive until this shutdown has finished.
    deinit {
        if !closed.withLock({ $0 }) { _ = http.shutdown() }
    }
}
