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
}
