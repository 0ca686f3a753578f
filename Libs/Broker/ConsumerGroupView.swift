/// What the broker says of one consumer group at one moment: its state, the offsets it
/// has committed, and the partitions its members hold.
public struct ConsumerGroupView: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case stable
        /// Known to the broker, no members: its committed offsets still stand.
        case empty
        /// Gone from the broker (or never there).
        case dead
        case rebalancing
        case unknown
    }

    public var id: String
    public var state: State
    public var committed: [TopicPartition: Int64]
    public var assigned: Set<TopicPartition>

    public init(id: String, state: State, committed: [TopicPartition: Int64] = [:], assigned: Set<TopicPartition> = []) {
        self.id = id
        self.state = state
        self.committed = committed
        self.assigned = assigned
    }

    /// The topics this group reads: those it has committed on or holds a partition of.
    var topics: Set<String> {
        Set(committed.keys.map(\.topic)).union(assigned.map(\.topic))
    }
}
