@testable import Gateway
import XCTest

final class RateLimiterTests: XCTestCase {
    func testABurstIsAllowedThenTheRateHolds() {
        var limiter = RateLimiter(rate: 10, burst: 5)
        let start = ContinuousClock.now
        let burst = (0..<8).filter { _ in limiter.allow(now: start) }.count
        XCTAssertEqual(burst, 5)
        // Half a second later, 5 more tokens (10 per second) have accrued.
        let later = start + .milliseconds(500)
        let refill = (0..<8).filter { _ in limiter.allow(now: later) }.count
        XCTAssertEqual(refill, 5)
    }

    func testARequestTakesAllOfItsMessagesOrNone() {
        let start = ContinuousClock.now
        var limiter = RateLimiter(rate: 10, burst: 10, now: start)
        XCTAssertTrue(limiter.allow(7, now: start))
        XCTAssertFalse(limiter.allow(4, now: start), "3 tokens left")
        XCTAssertTrue(limiter.allow(3, now: start), "the refused request took nothing")
        XCTAssertFalse(limiter.allow(now: start))
    }

    /// A REST batch larger than the burst is not refused for good: it passes from a full
    /// bucket, which then owes the difference before anything else passes.
    func testARequestLargerThanTheBurstPassesFromAFullBucketAndIsPaidBack() {
        let start = ContinuousClock.now
        var limiter = RateLimiter(rate: 10, burst: 5, now: start)
        XCTAssertTrue(limiter.allow(20, now: start))
        // 15 owed, then 1 more: 1.6 s at 10 per second.
        XCTAssertFalse(limiter.allow(now: start + .milliseconds(1500)))
        XCTAssertTrue(limiter.allow(now: start + .milliseconds(1700)))
        XCTAssertFalse(limiter.isFull(at: start + .milliseconds(1700)))
        XCTAssertTrue(limiter.isFull(at: start + .seconds(3)))
    }

    func testConnectionsOfOneUserShareOneBudgetAndUsersHaveTheirOwn() {
        let start = ContinuousClock.now
        let limits = UserRateLimits(rate: 10, burst: 5, now: start)
        // A socket, a second socket and REST send of alice, interleaved: 5 in all.
        let alice = (0..<4).filter { _ in limits.allow("alice", now: start) }.count
        XCTAssertEqual(alice, 4)
        XCTAssertTrue(limits.allow("alice", count: 1, now: start))
        XCTAssertFalse(limits.allow("alice", count: 1, now: start))
        XCTAssertFalse(limits.allow("alice", now: start))
        // bob's budget is untouched by alice's.
        XCTAssertTrue(limits.allow("bob", count: 5, now: start))
        XCTAssertFalse(limits.allow("bob", now: start))
        // 100 ms later, one token each.
        XCTAssertTrue(limits.allow("alice", now: start + .milliseconds(100)))
        XCTAssertTrue(limits.allow("bob", now: start + .milliseconds(100)))
        XCTAssertFalse(limits.allow("alice", now: start + .milliseconds(100)))
    }

    /// Users who stopped sending do not stay in memory: once their bucket is full again
    /// (what a new one would be), the next sweep drops it, by size or by time.
    func testBucketsOfIdleUsersAreForgotten() {
        let start = ContinuousClock.now
        let limits = UserRateLimits(rate: 100, burst: 10, minimumSweepCount: 100, sweepInterval: .seconds(10), now: start)
        for user in 0..<100 { _ = limits.allow("idle-\(user)", count: 10, now: start) }
        XCTAssertEqual(limits.trackedUsers, 100)
        // Still refilling (10 tokens take 100 ms): a sweep by size keeps them.
        _ = limits.allow("busy", count: 10, now: start + .milliseconds(50))
        XCTAssertEqual(limits.trackedUsers, 101)
        XCTAssertFalse(limits.allow("idle-0", count: 10, now: start + .milliseconds(50)), "a kept bucket keeps its state (5 tokens)")
        // Full again 100 ms after their last message: the next sweep forgets them.
        for user in 0..<198 { _ = limits.allow("new-\(user)", count: 10, now: start + .milliseconds(200)) }
        XCTAssertLessThanOrEqual(limits.trackedUsers, 198, "the idle users' buckets were forgotten")
        XCTAssertTrue(limits.allow("idle-1", count: 10, now: start + .milliseconds(200)), "a forgotten user starts with a full bucket")
        // Without new users, time alone sweeps.
        _ = limits.allow("late", now: start + .seconds(11))
        XCTAssertEqual(limits.trackedUsers, 1)
    }
}
