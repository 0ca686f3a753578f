/// An idle consumer's probe (`IdleFetchPacing`): whether any of its paused partitions
/// has a record past what it handed out, from their end offsets, so that fetching resumes
/// only when there is something to fetch.
struct IdleProbe {
    /// Where fetching starts in partitions that handed out nothing since assignment.
    private var startOffsets: [TopicPartition: Int64] = [:]

    /// The assignment changed: start offsets are asked for again.
    mutating func reassigned() {
        startOffsets = [:]
    }

    /// Whether a partition has records past what this member handed out (`handedOut`,
    /// each partition's next offset). Unsure (the broker did not answer) counts as yes:
    /// fetching then finds out.
    mutating func hasNewRecords(
        _ assigned: Set<TopicPartition>, handedOut: () -> [TopicPartition: Int64], _ control: FetchControl
    ) -> Bool {
        guard !assigned.isEmpty else { return false }
        guard let ends = control.endOffsets(of: assigned) else { return true }
        let handedOut = handedOut()
        // Nothing handed out yet: fetching starts at the committed offset, or at the
        // first retained one for a group that never committed (earliest; for `latest`
        // that is conservative: it resumes more often than needed, never too rarely).
        let unknown = assigned.filter { handedOut[$0] == nil && startOffsets[$0] == nil }
        if !unknown.isEmpty {
            guard let committed = control.committedOffsets(of: unknown) else { return true }
            let neverCommitted = unknown.filter { committed[$0] == nil }
            guard let beginnings = neverCommitted.isEmpty ? [:] : control.beginningOffsets(of: neverCommitted) else {
                return true
            }
            startOffsets.merge(committed) { _, new in new }
            startOffsets.merge(beginnings) { _, new in new }
        }
        return assigned.contains { partition in
            guard let end = ends[partition], let position = handedOut[partition] ?? startOffsets[partition] else { return true }
            return end > position
        }
    }
}
