import XCTest

@testable import Broker

/// librdkafka takes whole milliseconds: the conversion must keep sub-second parts.
final class DurationMillisecondsTests: XCTestCase {
    func testSubSecondPartsAreKept() {
        XCTAssertEqual(Duration.milliseconds(1500).timeoutMilliseconds, 1500)
        XCTAssertEqual(Duration.milliseconds(500).timeoutMilliseconds, 500)
        XCTAssertEqual(Duration.seconds(15).timeoutMilliseconds, 15_000)
        XCTAssertEqual(Duration.microseconds(2_999).timeoutMilliseconds, 2)
    }

    func testOutOfRangeIsClamped() {
        XCTAssertEqual(Duration.seconds(-1).timeoutMilliseconds, 0)
        XCTAssertEqual(Duration.seconds(10_000_000).timeoutMilliseconds, Int32.max)
    }
}
