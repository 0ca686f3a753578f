/// Where a message sits in a conversation's history: the order the server accepted messages
/// in (time, then the gateway's accept sequence, then the document id). The same order as
/// the `history` collection's `conversation_order` index; ids compare by their UTF-8 bytes,
/// as MongoDB compares strings.
public struct HistoryPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let at: Int64
    public let seq: Int64
    public let id: String

    public init(at: Int64, seq: Int64, id: String) {
        self.at = at
        self.seq = seq
        self.id = id
    }

    public static func < (lhs: HistoryPosition, rhs: HistoryPosition) -> Bool {
        if lhs.at != rhs.at { return lhs.at < rhs.at }
        if lhs.seq != rhs.seq { return lhs.seq < rhs.seq }
        return lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8)
    }

    public var description: String { "\(at).\(seq).\(id)" }
}
