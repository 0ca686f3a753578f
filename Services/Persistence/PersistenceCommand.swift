import ArgumentParser
import Foundation
import Auth
import Broker
import Contracts
import DocumentStore
import Groups
import HistoryArchive
import ObjectStore
import Pages
import Pipeline
import ServiceKit
import ServiceLifecycle

/// persistence: keeps messages for offline recipients until they ack them, redelivers them
/// when the recipient connects, and lists them on `GET /messages`.
@main
struct PersistenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persistence",
        abstract: "Vartalap persistence: offline message storage, redelivery on connect and GET /messages.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var persistence: PersistenceOptions
    @OptionGroup var objectStore: ObjectStoreOptions
    @OptionGroup var archive: ArchiveOptions

    func validate() throws {
        guard archive.archives else { return }
        guard persistence.keepsHistory else { throw ValidationError("--archive-after-days needs a history (--history-retention-days > 0)") }
        guard objectStore.isConfigured else { throw ValidationError("--archive-after-days needs an object store (--s3-endpoint ...)") }
    }

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(
            common,
            extraSummary: ["offlineRetentionDays": "\(persistence.offlineRetentionDays)"]
                .merging(archive.summary) { first, _ in first }.merging(objectStore.redactedSummary) { first, _ in first })
        try await environment.run { resources in
            let database = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let store = OfflineStore(
                collection: database.collection(OfflineStore.collectionName, in: common.mongoDatabase),
                retention: .seconds(persistence.offlineRetentionDays * 86_400))
            try await store.createIndexes()
            let connectedUsers = ConnectedUsers()
            let alreadyConnected = try await connectedUsers.load(
                from: database.collection(ConnectionDirectoryEntry.collectionName, in: common.mongoDatabase))
            environment.logger.info("connections read from the connection directory", metadata: ["count": "\(alreadyConnected)"])
            let pipeline = try ConsumerPipeline(
                environment: environment, topics: topics,
                consuming: [topics.offlineMessageTopic, topics.userConnectionStateTopic])
            let workers = PersistenceWorkers(
                store: store, producer: pipeline.producer, topics: topics, deadLetters: pipeline.deadLetters,
                logger: environment.logger, connectedUsers: connectedUsers, resolve: pipeline.resolve)

            // With an object store, history reads through to the archive (also after archiving
            // was turned off: what it archived stays readable).
            let objects = try objectStore.isConfigured
                ? ObjectStoreClient(
                    configuration: objectStore.configuration(),
                    httpClient: resources.keep(ObjectStoreClient.makeHTTPClient(), "object store client") { try await $0.shutdown() })
                : nil
            var history: HistoryStore?
            if persistence.keepsHistory {
                history = HistoryStore(
                    collection: database.collection(HistoryStore.collectionName, in: common.mongoDatabase),
                    retention: archive.archives ? nil : .seconds(persistence.historyRetentionDays * 86_400))
                history?.archive = objects.map {
                    HistoryReadThrough(
                        index: ChunkIndex(collection: database.collection(ChunkIndex.collectionName, in: common.mongoDatabase)),
                        reader: ChunkReader(store: $0))
                }
                history?.threads = PageThreadStore(
                    collection: database.collection(PageThreadStore.collectionName, in: common.mongoDatabase))
                if persistence.search {
                    history?.search = SearchIndex(
                        collection: database.collection(SearchIndex.collectionName, in: common.mongoDatabase),
                        retention: archive.archives ? archive.retention : .seconds(persistence.historyRetentionDays * 86_400))
                }
            }
            try await history?.createIndexes()
            let archiving: [any Service] = archive.archives
                ? objects.map { objects in
                    [
                        ArchiveSchedule(
                            archiver: HistoryArchiver(
                                database: database, databaseName: common.mongoDatabase, store: objects,
                                chunkMessages: archive.archiveChunkMessages, retention: archive.retention,
                                owner: "persistence-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))",
                                logger: environment.logger),
                            after: .seconds(archive.archiveAfterDays * 86_400), interval: archive.interval, logger: environment.logger)
                    ]
                } ?? [] : []

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            let verifier = AccessKeyVerifier(store: database, database: common.mongoDatabase, logger: environment.logger)
            MessagesRoute(store: store).add(to: router, verifier: verifier)
            let pages = PageStore(collection: database.collection(PageStore.collectionName, in: common.mongoDatabase))
            HistoryRoutes(
                store: history,
                groups: GroupStore(collection: database.collection(GroupStore.collectionName, in: common.mongoDatabase)),
                pages: pages
            ).add(to: router, verifier: verifier)
            PageInboxRoutes(history: history, pages: pages).add(to: router, verifier: verifier)
            SearchRoutes(history: history, pages: pages).add(to: router, verifier: verifier)
            let services = pipeline.services(
                workers: workers.services, application: environment.makeApplication(router.buildResponder())
            ) { workers.handle($0) }
            guard let history else { return services }
            let retention: [any Service] =
                history.sweeps ? [HistoryRetention(history: history, interval: .seconds(600), logger: environment.logger)] : []
            let upgrade: [any Service] = history.search.map { [SearchIndexUpgrade(index: $0, logger: environment.logger)] } ?? []
            return services + archiving + retention + upgrade
                + (try historyServices(history, sharingProducerOf: pipeline, environment: environment))
        }
    }

    /// The history's own consumer group on `send-message` (`<group>-history`), so the
    /// delivery path never waits for it, and the batches it writes.
    private func historyServices(
        _ store: HistoryStore, sharingProducerOf pipeline: ConsumerPipeline, environment: ServiceEnvironment
    ) throws -> [any Service] {
        let historyPipeline = try ConsumerPipeline(
            sharingProducerOf: pipeline, environment: environment, topics: topics, consuming: [topics.sendMessageTopic],
            name: "history-consumer", consumerGroup: common.consumerGroup + "-history",
            busyFetchPace: .milliseconds(persistence.historyFetchPaceMs),
            idleProbeInterval: .milliseconds(persistence.historyIdleProbeIntervalMs))
        let writer = HistoryWriter(store: store, logger: environment.logger, resolve: historyPipeline.resolve)
        let batches = Batches<ConsumedMessage, Void>(maxBatch: HistoryWriter.maxBatch, handle: { await writer.write($0) })
        return historyPipeline.services(workers: [batches], application: nil) { batches.enqueue($0) }
    }
}
