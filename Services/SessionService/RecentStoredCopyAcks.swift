import ChatProtocol

/// Acks of stored copies, kept for a minute. Persistence can send one stored message out
/// twice: once when it is stored while its recipient is connected, again on the next
/// CONNECTED if that comes before the first copy's ack deleted it. A copy that arrives
/// after its message was acked is not pushed again; its ack is handed on once more so
/// the stored copy goes.
struct RecentStoredCopyAcks {
    struct Key: Hashable {
        let user: String
        let messageId: String
    }

    static let keptFor: Duration = .seconds(60)
    /// Past this many, the expired ones go (and the next pruning waits until it doubled).
    static let pruneThreshold = 10_000

    private var acks: [Key: (ack: ChatMessage, at: ContinuousClock.Instant)] = [:]
    private var pruneAt = RecentStoredCopyAcks.pruneThreshold

    mutating func record(_ ack: ChatMessage, for key: Key, at now: ContinuousClock.Instant = .now) {
        acks[key] = (ack, now)
        guard acks.count > pruneAt else { return }
        acks = acks.filter { now - $0.value.at < Self.keptFor }
        pruneAt = max(Self.pruneThreshold, acks.count * 2)
    }

    var count: Int { acks.count }

    /// The ack of `key`'s message, if it came within the last minute.
    func ack(for key: Key, at now: ContinuousClock.Instant = .now) -> ChatMessage? {
        guard let entry = acks[key], now - entry.at < Self.keptFor else { return nil }
        return entry.ack
    }
}
