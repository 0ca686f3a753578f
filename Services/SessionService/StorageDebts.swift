import ServiceKit

/// Per recipient, the messages this instance handed to offline storage because no
/// connection took them, with their server timestamps, until their stored copies were
/// pushed again (or acked some other way). A message may not be pushed while an older one
/// for the same recipient is owed: it would overtake it.
///
/// Kept in memory, per instance: after a restart or a rebalance the new owner of a user
/// knows nothing of what went to storage before, and order across that is not kept.
/// A user who never comes back for their copies is forgotten after `keptFor`; one who is
/// owed more than `maxOwedPerUser` has only the first ones tracked (all of them sit in
/// storage, in order, anyway).
struct StorageDebts {
    static let keptFor: Duration = .seconds(3600)
    static let maxOwedPerUser = 10_000

    /// Per user: owed message id → its server timestamp.
    private var owed = RecentEntries<String, [String: UInt64]>(keptFor: Self.keptFor, pruneThreshold: 10_000)

    mutating func wentToStorage(_ messageId: String, sentAt serverTimestamp: UInt64, of user: String) {
        var ids = owed.value(for: user) ?? [:]
        guard ids.count < Self.maxOwedPerUser || ids[messageId] != nil else { return }
        ids[messageId] = serverTimestamp
        owed.set(ids, for: user)
    }

    enum Settlement {
        case notOwed
        case stillOwing
        case paidOff
    }

    /// The message reached the user again (pushed or acked).
    mutating func settle(_ messageId: String, of user: String) -> Settlement {
        guard var ids = owed.value(for: user), ids.removeValue(forKey: messageId) != nil else { return .notOwed }
        if ids.isEmpty {
            owed.removeValue(for: user)
            return .paidOff
        }
        owed.set(ids, for: user)
        return .stillOwing
    }

    /// Whether `user` is owed a message older than `serverTimestamp` other than `messageId`.
    func owesOlder(than serverTimestamp: UInt64, except messageId: String, to user: String) -> Bool {
        guard let ids = owed.value(for: user) else { return false }
        return ids.contains { $0.key != messageId && $0.value < serverTimestamp }
    }

    func owes(_ user: String) -> Bool {
        !(owed.value(for: user)?.isEmpty ?? true)
    }

    /// The ids owed to `user`, oldest first (for logs).
    func owed(to user: String) -> [String] {
        (owed.value(for: user) ?? [:]).sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
    }

    /// Gives up waiting for `user`'s copies.
    mutating func forgive(_ user: String) {
        owed.removeValue(for: user)
    }
}
