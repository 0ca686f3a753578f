/// Which records every consumer group is done with, so a broker that keeps all it holds
/// in memory (the local one) can drop them (`DeleteRecords`).
///
/// A partition's records below offset N may go when every group that reads its topic
/// has committed N or more on that partition. A group reads a topic when it has committed
/// on any of its partitions or one of its members holds one; such a group without a
/// commit on the partition (it has not got that far yet) keeps the whole partition. A
/// group that has never joined the broker cannot be seen and keeps nothing: it starts
/// where the records start, as it would after time-based retention.
public enum PurgePlan {
    /// The offset to delete records below, per partition; nil when some group is
    /// rebalancing (who reads what is unknown until it settles), so nothing goes.
    public static func offsets(for groups: [ConsumerGroupView]) -> [TopicPartition: Int64]? {
        guard groups.allSatisfy({ [.stable, .empty, .dead].contains($0.state) }) else { return nil }
        let live = groups.filter { $0.state != .dead }
        var readers: [String: [ConsumerGroupView]] = [:]
        for group in live {
            for topic in group.topics { readers[topic, default: []].append(group) }
        }
        var plan: [TopicPartition: Int64] = [:]
        for (topic, groupsOfTopic) in readers {
            let partitions = Set(groupsOfTopic.flatMap { $0.committed.keys }.filter { $0.topic == topic })
            for partition in partitions {
                let commits = groupsOfTopic.compactMap { $0.committed[partition] }
                // Every reader must have committed here, and past the first record.
                guard commits.count == groupsOfTopic.count, let lowest = commits.min(), lowest > 0 else { continue }
                plan[partition] = lowest
            }
        }
        return plan
    }
}
