import Groups

/// Groups read by group-router, kept for a while. group-ms's change marker (read from the
/// same partition as the group's messages) drops an entry at once; the expiry only covers
/// what a marker cannot: another instance that handled the group's partition meanwhile.
actor MemberCache {
    private struct Entry {
        let group: Group?
        let expires: ContinuousClock.Instant
    }

    private let store: GroupStore
    private let lifetime: Duration
    private var entries: [String: Entry] = [:]

    init(store: GroupStore, lifetime: Duration) {
        self.store = store
        self.lifetime = lifetime
    }

    /// The group, or nil when there is none with this id.
    func group(_ id: String) async throws -> Group? {
        let now = ContinuousClock.now
        if let entry = entries[id], entry.expires > now { return entry.group }
        let group = try await store.find(id)
        entries[id] = Entry(group: group, expires: now + lifetime)
        if entries.count > 100_000 { entries.removeAll() }
        return group
    }

    func invalidate(_ id: String) {
        entries.removeValue(forKey: id)
    }
}
