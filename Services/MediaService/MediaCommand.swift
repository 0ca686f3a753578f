import ArgumentParser
import AsyncHTTPClient
import Auth
import DocumentStore
import Hummingbird
import Logging
import ObjectStore
import PublicAPI
import ServiceKit
import ServiceLifecycle

/// media-ms: presigned upload and download URLs for attachments kept in an S3-compatible
/// store; the bytes go between the apps and the store, never through this service.
@main
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-ms",
        abstract: "Vartalap media service: /assets upload and download URLs, upload checks, and the sweep of unconfirmed uploads.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var objectStore: ObjectStoreOptions
    @OptionGroup var media: MediaOptions

    func validate() throws {
        try objectStore.requireConfigured()
    }

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(
            common, extraSummary: objectStore.redactedSummary.merging(media.summary) { first, _ in first })
        let logger = environment.logger
        let storeConfiguration = try objectStore.configuration()
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let store = MediaStore(collection: database.collection(MediaStore.collectionName, in: common.mongoDatabase))
            try await store.createIndexes()
            let http = resources.keep(ObjectStoreClient.makeHTTPClient(), "object store client") {
                try await $0.shutdown()
            }
            let objects = ObjectStoreClient(configuration: storeConfiguration, httpClient: http)
            let metrics = MediaMetrics()
            let limits = media.limits
            let operations = MediaOperations(
                store: store, objects: objects, types: media.types, limits: limits, keyPrefix: media.mediaKeyPrefix,
                metrics: metrics)

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            router.add(middleware: JSONErrorMiddleware())
            MediaRoutes(
                operations: operations, verifier: AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: logger)
            ).add(to: router)
            let application = environment.makeApplication(router.buildResponder())
            environment.readiness.register(BucketSetup.readinessName)
            return [
                BucketSetup(objects: objects, readiness: environment.readiness, logger: logger),
                UploadSweeper(store: store, objects: objects, limits: limits, metrics: metrics, logger: logger),
                application,
            ]
        }
    }
}

/// Creates the bucket once the store answers (retrying until then), and only then lets
/// `/ready` say yes: upload URLs are useless without the bucket.
struct BucketSetup: Service {
    static let readinessName = "object store"

    let objects: ObjectStoreClient
    let readiness: Readiness
    let logger: Logger

    func run() async throws {
        // Cancelled on shutdown, so a store that never answers does not hold the stop up.
        let created = await cancelWhenGracefulShutdown {
            await retrying("creating bucket \(objects.configuration.bucket)", logger: logger) { try await objects.createBucket() }
        }
        if created { readiness.markReady(Self.readinessName) }
        try? await gracefulShutdown()
    }
}
