@testable import Broker
import XCTest

final class PartitionWatermarksTests: XCTestCase {
    private let partition = TopicPartition(topic: "t", partition: 0)

    func testCommitStopsAtTheFirstUnresolvedOffset() {
        var marks = PartitionWatermarks()
        marks.assign(partition)
        for offset in Int64(100)..<110 { marks.track(partition, offset: offset) }
        for offset in Int64(100)..<110 where offset != 103 { marks.resolve(partition, offset: offset) }
        XCTAssertEqual(marks.commitsDue()[partition], 103)
        marks.resolve(partition, offset: 103)
        XCTAssertEqual(marks.commitsDue()[partition], 110)
        XCTAssertEqual(marks.inFlight, 0)
    }

    func testNothingIsDueTwiceForTheSameOffset() {
        var marks = PartitionWatermarks()
        marks.assign(partition)
        marks.track(partition, offset: 0)
        marks.resolve(partition, offset: 0)
        let due = marks.commitsDue()
        XCTAssertEqual(due[partition], 1)
        marks.markCommitted(due)
        XCTAssertTrue(marks.commitsDue().isEmpty)
    }

    func testRevokedPartitionsAreForgottenAndLateResolutionsIgnored() {
        var marks = PartitionWatermarks()
        marks.assign(partition)
        marks.track(partition, offset: 5)
        XCTAssertEqual(marks.inFlight, 1)
        marks.revoke(partition)
        XCTAssertEqual(marks.inFlight, 0)
        marks.resolve(partition, offset: 5)
        XCTAssertTrue(marks.commitsDue().isEmpty)
        XCTAssertFalse(marks.track(partition, offset: 6))
    }

    func testManyOutOfOrderResolutionsKeepTheWatermarkExact() {
        var marks = PartitionWatermarks()
        marks.assign(partition)
        let offsets = Array(Int64(0)..<5000)
        offsets.forEach { marks.track(partition, offset: $0) }
        var generator = SystemRandomNumberGenerator()
        let order = offsets.shuffled(using: &generator)
        var resolved = Set<Int64>()
        var expected: Int64 = 0
        for offset in order {
            marks.resolve(partition, offset: offset)
            resolved.insert(offset)
            while resolved.contains(expected) { expected += 1 }
            XCTAssertEqual(marks.commitsDue()[partition], expected)
        }
        XCTAssertEqual(marks.inFlight, 0)
    }

    func testAnOffsetFetchedAgainWithinAnAssignmentIsNotHandedOutTwice() {
        var marks = PartitionWatermarks()
        marks.assign(partition)
        XCTAssertTrue(marks.track(partition, offset: 7))
        XCTAssertTrue(marks.track(partition, offset: 8))
        XCTAssertFalse(marks.track(partition, offset: 7))
        XCTAssertFalse(marks.track(partition, offset: 8))
        XCTAssertEqual(marks.inFlight, 2)
        marks.resolve(partition, offset: 7)
        marks.resolve(partition, offset: 8)
        XCTAssertEqual(marks.commitsDue()[partition], 9)
        XCTAssertTrue(marks.track(partition, offset: 9))
        // A new assignment starts afresh: the group's committed offset decides.
        marks.assign(partition)
        XCTAssertTrue(marks.track(partition, offset: 8))
    }
}
