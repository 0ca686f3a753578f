import Logging
import Synchronization

/// Drops records every consumer group is done with (`PurgePlan`), round after round.
///
/// For the local broker, which keeps every record it holds in memory and rewrites them
/// all to one file every couple of seconds while anything changes: without this, that
/// file grows by ~3 KB per chat message and its rewrites take the broker's CPU and stall
/// its answers. Kafka keeps records on disk by time; it needs no purger.
public final class ConsumedRecordsPurger: Sendable {
    public struct Round: Sendable, Equatable {
        /// Groups the broker listed.
        public var groups: Int
        /// Partitions whose first offset moved, with the new first offset.
        public var purged: [TopicPartition: Int64]
        /// Records dropped, where the partition's earlier first offset was known.
        public var records: Int64
        /// Nothing was planned because some group was rebalancing.
        public var waitedForRebalance: Bool
        public var failures: [TopicPartition: String]
    }

    private let admin: ConsumerGroupAdmin
    private let logger: Logger
    /// Each partition's first offset as the last delete answered it.
    private let firstOffsets = Mutex<[TopicPartition: Int64]>([:])

    public init(admin: ConsumerGroupAdmin, logger: Logger) {
        self.admin = admin
        self.logger = logger
    }

    /// One look at the groups and one delete request, on a thread of its own.
    public func purgeOnce() async throws -> Round {
        try await BlockingThread.run(name: "broker-purge") { try self.purgeBlocking() }
    }

    private func purgeBlocking() throws -> Round {
        let groups = try admin.groups()
        guard let plan = PurgePlan.offsets(for: groups) else {
            return Round(groups: groups.count, purged: [:], records: 0, waitedForRebalance: true, failures: [:])
        }
        let known = firstOffsets.withLock { $0 }
        let advancing = plan.filter { partition, offset in known[partition].map { offset > $0 } ?? true }
        let answer = try admin.deleteRecords(below: advancing)
        var records: Int64 = 0
        var purged: [TopicPartition: Int64] = [:]
        for (partition, first) in answer.firstOffsets {
            if let before = known[partition] {
                guard first > before else { continue }
                records += first - before
            }
            purged[partition] = first
        }
        firstOffsets.withLock { $0.merge(answer.firstOffsets) { _, new in new } }
        return Round(groups: groups.count, purged: purged, records: records, waitedForRebalance: false, failures: answer.failures)
    }

    /// Purges every `interval` until the task is cancelled; a failed round is logged
    /// and the next one tries again.
    public func run(every interval: Duration) async {
        var lastFailure: String?
        while !Task.isCancelled {
            do {
                let round = try await purgeOnce()
                lastFailure = nil
                if !round.purged.isEmpty || !round.failures.isEmpty {
                    logger.debug("purged consumed records", metadata: [
                        "partitions": "\(round.purged.count)", "records": "\(round.records)",
                        "failures": "\(round.failures.map { "\($0.key): \($0.value)" }.sorted())"])
                }
            } catch {
                // Said once per distinct failure: a broker that is down fails every round.
                let text = "\(error)"
                if text != lastFailure { logger.warning("purge round failed", metadata: ["error": "\(text)"]) }
                lastFailure = text
            }
            try? await Task.sleep(for: interval)
        }
    }
}
