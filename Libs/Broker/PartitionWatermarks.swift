/// At-least-once bookkeeping for concurrently handled messages.
///
/// Messages of one partition may be resolved in any order, but the committed offset may
/// only move past a message once it and every earlier one are resolved. For each
/// partition this keeps the handed-out offsets in order (they arrive in increasing order)
/// and reports the first unresolved one as the offset that is safe to commit.
struct PartitionWatermarks {
    private struct Track {
        /// Offsets handed out and not yet known to be contiguous-resolved, ascending.
        var offsets: [Int64] = []
        var resolved: [Bool] = []
        /// Index of the first entry still in use; entries before it are dropped lazily.
        var head = 0
        /// The next offset after everything handed out so far.
        var nextOffset: Int64?
        var lastCommitted: Int64?

        var pendingCount: Int { offsets.count - head }

        /// The offset a commit may name: the first unresolved one, or the next to come.
        var committable: Int64? {
            head < offsets.count ? offsets[head] : nextOffset
        }

        mutating func track(_ offset: Int64) {
            offsets.append(offset)
            resolved.append(false)
            nextOffset = offset + 1
        }

        mutating func resolve(_ offset: Int64) {
            guard let index = indexOf(offset), !resolved[index] else { return }
            resolved[index] = true
            while head < offsets.count, resolved[head] { head += 1 }
            if head > 1024, head * 2 > offsets.count {
                offsets.removeFirst(head)
                resolved.removeFirst(head)
                head = 0
            }
        }

        private func indexOf(_ offset: Int64) -> Int? {
            var low = head
            var high = offsets.count - 1
            while low <= high {
                let middle = (low + high) / 2
                if offsets[middle] == offset { return middle }
                if offsets[middle] < offset { low = middle + 1 } else { high = middle - 1 }
            }
            return nil
        }
    }

    private var tracks: [TopicPartition: Track] = [:]

    /// Messages handed out and not yet resolved, over all partitions.
    private(set) var inFlight = 0

    /// Starts (or restarts) tracking a partition that was just assigned.
    mutating func assign(_ partition: TopicPartition) {
        if let old = tracks[partition] { inFlight -= old.pendingCount }
        tracks[partition] = Track()
    }

    /// Forgets a revoked partition; later resolutions for it are ignored.
    mutating func revoke(_ partition: TopicPartition) {
        if let old = tracks.removeValue(forKey: partition) { inFlight -= old.pendingCount }
    }

    /// Records a handed-out message. Returns false for a partition not assigned to us, and
    /// for an offset below the next one expected since the assignment: nothing here seeks
    /// back, so that is librdkafka fetching a stretch again (its pause and resume have done
    /// so), and handing it out would deliver it twice and break the ascending order the
    /// bookkeeping relies on.
    @discardableResult
    mutating func track(_ partition: TopicPartition, offset: Int64) -> Bool {
        guard let track = tracks[partition] else { return false }
        if let next = track.nextOffset, offset < next { return false }
        tracks[partition]!.track(offset)
        inFlight += 1
        return true
    }

    mutating func resolve(_ partition: TopicPartition, offset: Int64) {
        guard let before = tracks[partition]?.pendingCount else { return }
        tracks[partition]!.resolve(offset)
        inFlight -= before - tracks[partition]!.pendingCount
    }

    func pendingCount(in partitions: some Sequence<TopicPartition>) -> Int {
        partitions.reduce(0) { $0 + (tracks[$1]?.pendingCount ?? 0) }
    }

    /// Offsets that moved since the last commit, restricted to `partitions` if given.
    func commitsDue(in partitions: Set<TopicPartition>? = nil) -> [TopicPartition: Int64] {
        var due: [TopicPartition: Int64] = [:]
        for (partition, track) in tracks where partitions?.contains(partition) ?? true {
            guard let offset = track.committable else { continue }
            if let last = track.lastCommitted, last >= offset { continue }
            due[partition] = offset
        }
        return due
    }

    /// Records offsets the broker accepted (or is about to be asked to accept).
    mutating func markCommitted(_ offsets: [TopicPartition: Int64]) {
        for (partition, offset) in offsets where tracks[partition] != nil {
            tracks[partition]!.lastCommitted = max(tracks[partition]!.lastCommitted ?? offset, offset)
        }
    }

    var assignedPartitions: Set<TopicPartition> { Set(tracks.keys) }

    /// For each assigned partition that handed out a record since its assignment, the
    /// offset after the last one: where fetching goes on from.
    var nextOffsets: [TopicPartition: Int64] {
        tracks.compactMapValues(\.nextOffset)
    }
}
