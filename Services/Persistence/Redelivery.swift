import Broker
import ChatProtocol
import Contracts
import Logging
import Pipeline
import ServiceKit
import Synchronization

/// On CONNECTED, re-publishes the user's stored messages to `send-message`, oldest first,
/// marked as stored copies so their acks come back to delete them. They stay stored until
/// then. Runs apart from the offline writer, so a burst of connections does not hold up
/// storing.
///
/// Connection events are handled in batches, gathered as the writer gathers its records:
/// each batch is whatever was submitted while the previous one ran, so a lone event goes
/// at once and a burst goes in large batches. Nearly every connecting user has nothing
/// stored, so a batch asks the store which of its users have messages, one query per
/// `OfflineStore.usersPerLookup` users, and reads only theirs: one read per event kept the
/// database busy for minutes when thousands of clients reconnected within seconds. Each
/// record is resolved once its batch's redeliveries reached the broker.
final class Redelivery: Sendable {
    /// Messages read from the store per query.
    static let pageSize = 500
    /// Bounds one batch; more submitted records wait for the next one.
    static let maxBatch = 1000

    private let queries = Atomic<Int>(0)
    private let context: WorkerContext

    init(_ context: WorkerContext) {
        self.context = context
    }

    /// How many times redelivery has read the store, lookups and pages together; lets tests
    /// check that a burst of connects costs far fewer reads than events.
    var storeQueries: Int { queries.load(ordering: .relaxed) }

    /// Handles one batch of `user-connection-state` records (`PersistenceWorkers` gathers them).
    func handle(_ records: [ConsumedMessage]) async {
        await handle(ConnectionBatch(records))
    }

    private func handle(_ batch: ConnectionBatch) async {
        // Opened before anyone is marked connected: from then on the writer waits for these
        // users' redeliveries before it publishes for them.
        let users = batch.connecting.map(\.user)
        context.redeliveries.begin(users)
        defer { context.redeliveries.end(users) }
        // Marked connected before the store is read: a message stored meanwhile is either
        // in what is read below or published by the writer when it stores it. Applied in
        // arrival order, so a user's last event in the batch decides.
        for (_, event) in batch.events {
            context.connectedUsers.apply(event)
        }
        for (record, reason) in batch.invalid {
            await context.deadLetters.park(record, reason: reason)
        }
        // Shutting down with the database or broker away: the batch stays unresolved and replays.
        guard await redeliverStoredMessages(to: batch.connecting) else { return }
        for (record, _) in batch.events {
            context.resolve(record)
        }
    }

    /// True once every connecting user's stored messages reached the broker; false when the
    /// service began shutting down first. Users are looked up a slice at a time (see
    /// `OfflineStore.usersPerLookup`), and a slice's redeliveries go out before the next
    /// lookup; a failed step is retried on its own, not with the steps that succeeded.
    private func redeliverStoredMessages(
        to connecting: [(user: String, record: ConsumedMessage, connectedAt: UInt64)]
    ) async -> Bool {
        for start in stride(from: 0, to: connecting.count, by: OfflineStore.usersPerLookup) {
            let slice = connecting[start..<min(start + OfflineStore.usersPerLookup, connecting.count)]
            let users = slice.map(\.user)
            guard
                let withMessages = await retrying(
                    "redelivery lookup", logger: context.logger, { try await recipientsWithStoredMessages(among: users) })
            else { return false }
            for (user, record, connectedAt) in slice where withMessages.contains(user) {
                let log = context.logger.tracking(TrackId.of(record))
                guard
                    await retrying(
                        "redelivery", logger: log, { try await redeliver(to: user, connectedAt: connectedAt, logger: log) })
                else {
                    return false
                }
            }
        }
        return true
    }

    private func recipientsWithStoredMessages(among users: [String]) async throws -> Set<String> {
        queries.add(1, ordering: .relaxed)
        return try await context.store.recipientsWithStoredMessages(among: users)
    }

    /// Publishes every stored message of `user` in listing order and waits until the broker
    /// holds all of them.
    func redeliver(to user: String, connectedAt: UInt64?, logger: Logger) async throws {
        var receipts: [ProduceReceipt] = []
        var cursor: PageCursor?
        repeat {
            queries.add(1, ordering: .relaxed)
            let page = try await context.store.page(of: user, after: cursor, limit: Self.pageSize)
            receipts += try await context.publisher.enqueue(page.messages, recipientConnectedAt: { _ in connectedAt })
            cursor = page.next
        } while cursor != nil
        for receipt in receipts {
            _ = try await receipt.stored()
        }
        context.metrics.redelivered.increment(by: receipts.count)
        if !receipts.isEmpty {
            logger.info("redelivered stored messages", metadata: ["user": "\(user)", "count": "\(receipts.count)"])
        }
    }
}
