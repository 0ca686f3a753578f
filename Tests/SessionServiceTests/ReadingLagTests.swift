@testable import SessionService
import XCTest

final class ReadingLagTests: XCTestCase {
    let start = ContinuousClock.now
    let limit = Duration.seconds(3)

    func testAnAckTimerWaitsAsLongAsReadingIsBehind() {
        var lag = ReadingLag()
        lag.observe(producedAt: 10_000, nowMilliseconds: 10_400, at: start)
        XCTAssertEqual(lag.extraWait(at: start + .milliseconds(100), extended: .zero, limit: limit), .milliseconds(400))
    }

    func testALagOfAFewMillisecondsRetriesAtOnce() {
        var lag = ReadingLag()
        lag.observe(producedAt: 10_000, nowMilliseconds: 10_020, at: start)
        XCTAssertNil(lag.extraWait(at: start, extended: .zero, limit: limit))
    }

    func testAnOldSampleMeansNothingIsBeingReadSoNoLag() {
        var lag = ReadingLag()
        lag.observe(producedAt: 10_000, nowMilliseconds: 15_000, at: start)
        XCTAssertEqual(lag.current(at: start + .milliseconds(500)), .seconds(5))
        XCTAssertEqual(lag.current(at: start + .seconds(2)), .zero)
        XCTAssertNil(lag.extraWait(at: start + .seconds(2), extended: .zero, limit: limit))
    }

    func testTheExtraWaitIsBoundedByTheLimit() {
        var lag = ReadingLag()
        lag.observe(producedAt: 10_000, nowMilliseconds: 20_000, at: start)
        XCTAssertEqual(lag.extraWait(at: start, extended: .zero, limit: limit), .seconds(3))
        XCTAssertEqual(lag.extraWait(at: start, extended: .milliseconds(2500), limit: limit), .milliseconds(500))
        XCTAssertNil(lag.extraWait(at: start, extended: limit, limit: limit))
    }

    func testRecordsWithoutTimestampsAndClockSkewChangeNothingBadly() {
        var lag = ReadingLag()
        lag.observe(producedAt: nil, nowMilliseconds: 10_000, at: start)
        XCTAssertEqual(lag.current(at: start), .zero)
        lag.observe(producedAt: 12_000, nowMilliseconds: 10_000, at: start)  // produced "in the future"
        XCTAssertEqual(lag.current(at: start), .zero)
    }
}
