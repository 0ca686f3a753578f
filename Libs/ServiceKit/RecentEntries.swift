/// A map whose entries matter only for a while (`keptFor`). Expired entries read as
/// absent; they are dropped once the map grows past `pruneThreshold`, and the next
/// pruning then waits until the map has doubled, so it stays rare even when most entries
/// are recent.
public struct RecentEntries<Key: Hashable, Value> {
    public let keptFor: Duration
    private let pruneThreshold: Int
    private var entries: [Key: (value: Value, at: ContinuousClock.Instant)] = [:]
    private var pruneAt: Int

    public init(keptFor: Duration, pruneThreshold: Int) {
        self.keptFor = keptFor
        self.pruneThreshold = pruneThreshold
        pruneAt = pruneThreshold
    }

    public mutating func set(_ value: Value, for key: Key, at now: ContinuousClock.Instant = .now) {
        entries[key] = (value, now)
        guard entries.count > pruneAt else { return }
        entries = entries.filter { now - $0.value.at < keptFor }
        pruneAt = max(pruneThreshold, entries.count * 2)
    }

    /// The value set for `key` within `keptFor`, or nil.
    public func value(for key: Key, at now: ContinuousClock.Instant = .now) -> Value? {
        guard let entry = entries[key], now - entry.at < keptFor else { return nil }
        return entry.value
    }

    public mutating func removeValue(for key: Key) {
        entries.removeValue(forKey: key)
    }

    /// How many entries were set within the last `within`.
    public func count(within: Duration, at now: ContinuousClock.Instant = .now) -> Int {
        entries.values.count { now - $0.at < within }
    }

    /// Entries held, expired ones not yet pruned included.
    public var storedCount: Int { entries.count }
}
