import Broker
import ChatProtocol
import Logging
import ServiceKit
import ServiceLifecycle

/// On CONNECTED, re-publishes the user's stored messages to `send-message`, oldest first,
/// marked as stored copies so their acks come back to delete them. They stay stored until
/// then. Events are handled one after another, apart from the offline writer, so a burst of
/// connections does not hold up storing.
final class Redelivery: Service, Sendable {
    /// Messages read from the store per query.
    static let pageSize = 500

    private let events: AsyncStream<ConsumedMessage>
    private let intake: AsyncStream<ConsumedMessage>.Continuation
    private let store: OfflineStore
    private let publisher: StoredCopyPublisher
    private let connectedUsers: ConnectedUsers
    private let deadLetters: DeadLetters
    private let metrics: PersistenceMetrics
    private let logger: Logger
    private let resolve: @Sendable (ConsumedMessage) -> Void

    init(
        store: OfflineStore, publisher: StoredCopyPublisher, connectedUsers: ConnectedUsers, deadLetters: DeadLetters,
        metrics: PersistenceMetrics, logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void
    ) {
        (events, intake) = AsyncStream<ConsumedMessage>.makeStream()
        self.store = store
        self.publisher = publisher
        self.connectedUsers = connectedUsers
        self.deadLetters = deadLetters
        self.metrics = metrics
        self.logger = logger
        self.resolve = resolve
    }

    /// Takes a `user-connection-state` record.
    func submit(_ record: ConsumedMessage) {
        intake.yield(record)
    }

    /// Handles what was submitted so far, then lets `run` return.
    func finish() {
        intake.finish()
    }

    func run() async {
        await withGracefulShutdownHandler {
            for await record in events {
                await handle(record)
            }
        } onGracefulShutdown: { [self] in
            finish()
        }
    }

    private func handle(_ record: ConsumedMessage) async {
        let log = logger.tracking(TrackId.of(record))
        let event: ConnectionState
        do {
            event = try ConnectionState(protobuf: record.value)
        } catch {
            if await deadLetters.park(record, reason: "\(error)", logger: log) { resolve(record) }
            return
        }
        guard !event.user.isEmpty else {
            if await deadLetters.park(record, reason: "connection state without user", logger: log) { resolve(record) }
            return
        }
        // Marked connected before the store is read: a message stored meanwhile is either
        // in what is read below or published by the writer when it stores it.
        connectedUsers.apply(event)
        guard event.state == .connected else { return resolve(record) }
        guard await retrying("redelivery", logger: log, { try await redeliver(to: event.user, logger: log) }) else { return }
        resolve(record)
    }

    /// Publishes every stored message of `user` in listing order and waits until the broker
    /// holds all of them.
    func redeliver(to user: String, logger: Logger) async throws {
        var deliveries: [Delivery] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.page(of: user, after: cursor, limit: Self.pageSize)
            deliveries += try await publisher.enqueue(page.messages)
            cursor = page.next
        } while cursor != nil
        for delivery in deliveries {
            _ = try await delivery.report()
        }
        metrics.redelivered.increment(by: deliveries.count)
        if !deliveries.isEmpty {
            logger.info("redelivered stored messages", metadata: ["user": "\(user)", "count": "\(deliveries.count)"])
        }
    }
}
