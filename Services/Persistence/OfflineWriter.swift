import Broker
import Contracts
import Logging
import Pipeline
import ServiceKit

/// Stores and deletes what `offline-message` carries, in batches.
///
/// The consumer hands records over without waiting (`PersistenceWorkers`). While one batch
/// is being written the next ones gather, and each write takes everything gathered (group
/// commit, `Batches`): one record at a time when traffic is light, large unordered inserts
/// when it is heavy, with no timer adding latency. A single writer keeps the records'
/// order across batches. Each record is resolved once its batch is written.
final class OfflineWriter: Sendable {
    /// Bounds one write; more gathered records wait for the next one.
    static let maxBatch = 1000

    private let context: WorkerContext

    init(_ context: WorkerContext) {
        self.context = context
    }

    /// Writes one batch of `offline-message` records (`PersistenceWorkers` gathers them).
    func write(_ batch: [ConsumedMessage]) async {
        let events = batch.map(OfflineEvent.init)
        for step in WriteStep.plan(events) {
            // Shutting down with the database away: the batch stays unresolved and replays.
            guard await retrying("offline write", logger: context.logger, { try await apply(step) }) else { return }
        }
        // Taken once the batch is in the database: a redelivery that starts later reads it.
        let writtenAt = context.connectedUsers.now
        context.metrics.writeBatches.increment()
        await publishToConnectedRecipients(zip(batch, events), writtenAt: writtenAt)
        for (record, event) in zip(batch, events) {
            if case .invalid(let reason) = event {
                await context.deadLetters.park(record, reason: reason)
                continue
            }
            if case .ignoreEphemeral = event { context.metrics.ephemeralIgnored.increment() }
            context.resolve(record)
        }
    }

    /// A message stored for a recipient who is connected missed the CONNECTED redelivery:
    /// it goes out again now. Not one that reached the recipient's connections unacked
    /// (`unacknowledged`), nor one acked later in the same batch (it is deleted already).
    /// Nor a stored copy that came back undelivered, unless the recipient connected again
    /// after the connection it was sent out for: sending it round for the same connection
    /// would loop until the recipient disconnects, but a copy sent for a socket on a gateway
    /// that died (which published no DISCONNECTED) can come back after the reconnect's
    /// redelivery read the store, and would then wait for yet another connect while newer
    /// messages went ahead. Nor, finally, one whose recipient connected after `writtenAt`:
    /// that connect's redelivery reads it, and a second copy would only be a duplicate.
    private func publishToConnectedRecipients(
        _ written: Zip2Sequence<[ConsumedMessage], [OfflineEvent]>, writtenAt: UInt64
    ) async {
        var ackedLater = Set<Acknowledgement>()
        var candidates: [StoredMessage] = []
        for (record, event) in written.reversed() {
            switch event {
            case .acknowledge(let acknowledgement):
                ackedLater.insert(acknowledgement)
            case .store(let stored):
                guard !ackedLater.contains(Acknowledgement(recipient: stored.recipient, id: stored.message.id)),
                    record.headers.value(for: RecordHeaders.unacknowledged) != "true",
                    let connectedAt = context.connectedUsers.connectedAt(stored.recipient)
                else { continue }
                if record.headers.value(for: RecordHeaders.storedCopy) == "true" {
                    let sentFor = record.headers.value(for: RecordHeaders.recipientConnectedAt).flatMap { UInt64($0) }
                    guard let sentFor, connectedAt > sentFor else { continue }
                }
                candidates.append(stored)
            case .ignoreEphemeral, .invalid:
                continue
            }
        }
        guard !candidates.isEmpty else { return }
        await context.redeliveries.waitUntilClear(Set(candidates.map(\.recipient)))
        let missed = candidates.reversed().filter { !context.connectedUsers.markedConnected($0.recipient, after: writtenAt) }
        guard !missed.isEmpty else { return }
        do {
            try await context.publisher.publish(missed, recipientConnectedAt: context.connectedUsers.connectedAt)
            context.metrics.redelivered.increment(by: missed.count)
        } catch {
            // They stay stored: the next connect or `GET /messages` still finds them.
            context.logger.warning("could not publish messages stored for connected users", metadata: ["reason": "\(error)"])
        }
    }

    private func apply(_ step: WriteStep) async throws {
        switch step {
        case .insert(let messages):
            try await context.store.store(messages)
            context.metrics.stored.increment(by: messages.count)
        case .delete(let acknowledgements):
            try await context.store.delete(acknowledgements)
            context.metrics.acknowledged.increment(by: acknowledgements.count)
        }
    }
}
