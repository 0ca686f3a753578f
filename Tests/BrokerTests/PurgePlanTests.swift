import Broker
import XCTest

/// Which records the purger may drop, from what the broker says of the groups.
final class PurgePlanTests: XCTestCase {
    private let a0 = TopicPartition(topic: "a", partition: 0)
    private let a1 = TopicPartition(topic: "a", partition: 1)
    private let b0 = TopicPartition(topic: "b", partition: 0)

    func testEachPartitionGoesUpToTheLowestCommitOfTheGroupsReadingIt() throws {
        let plan = try XCTUnwrap(PurgePlan.offsets(for: [
            ConsumerGroupView(id: "fast", state: .stable, committed: [a0: 20, a1: 7], assigned: [a0, a1]),
            ConsumerGroupView(id: "slow", state: .empty, committed: [a0: 8, a1: 9]),
            ConsumerGroupView(id: "other", state: .stable, committed: [b0: 5], assigned: [b0]),
        ]))
        XCTAssertEqual(plan, [a0: 8, a1: 7, b0: 5])
    }

    func testAGroupWithoutACommitOnAPartitionItReadsKeepsThatPartition() throws {
        // "behind" has committed on a1 only: a0's records are all still ahead of it.
        let plan = try XCTUnwrap(PurgePlan.offsets(for: [
            ConsumerGroupView(id: "ahead", state: .stable, committed: [a0: 20, a1: 20]),
            ConsumerGroupView(id: "behind", state: .stable, committed: [a1: 3]),
        ]))
        XCTAssertEqual(plan, [a1: 3])
    }

    func testAGroupThatHoldsATopicButNeverCommittedKeepsAllOfIt() throws {
        let plan = try XCTUnwrap(PurgePlan.offsets(for: [
            ConsumerGroupView(id: "done", state: .stable, committed: [a0: 20, b0: 4]),
            ConsumerGroupView(id: "new", state: .stable, assigned: [a1]),
        ]))
        XCTAssertEqual(plan, [b0: 4])
    }

    func testNothingGoesWhileAGroupRebalances() {
        XCTAssertNil(PurgePlan.offsets(for: [
            ConsumerGroupView(id: "done", state: .stable, committed: [a0: 20]),
            ConsumerGroupView(id: "moving", state: .rebalancing, committed: [b0: 1]),
        ]))
        XCTAssertNil(PurgePlan.offsets(for: [ConsumerGroupView(id: "odd", state: .unknown)]))
    }

    func testDeadGroupsAndUnreadTopicsAreLeftOut() throws {
        let plan = try XCTUnwrap(PurgePlan.offsets(for: [
            ConsumerGroupView(id: "gone", state: .dead),
            ConsumerGroupView(id: "reader", state: .stable, committed: [a0: 0], assigned: [a0, a1]),
        ]))
        // Offset 0 drops nothing; a1 has no commit; b is read by nobody (a dead-letter topic).
        XCTAssertEqual(plan, [:])
    }
}
