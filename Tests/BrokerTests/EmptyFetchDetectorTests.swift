@testable import Broker
import XCTest

/// Empty fetch answers told from answers with records by size alone.
final class EmptyFetchDetectorTests: XCTestCase {
    func testTheSmallestAnswerToARequestSizeIsItsEmptySize() {
        var detector = EmptyFetchDetector()
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400), "the first answer sets the empty size")
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400))
        // The smallest record batch adds 61 bytes of header alone.
        XCTAssertFalse(detector.isEmpty(requestSize: 200, responseSize: 400 + 61 + 8))
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400))
    }

    func testAFirstAnswerWithRecordsIsCorrectedByTheNextEmptyOne() {
        var detector = EmptyFetchDetector()
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 520), "unknown yet: taken as empty")
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400))
        XCTAssertFalse(detector.isEmpty(requestSize: 200, responseSize: 520), "the real empty size is known now")
    }

    func testEachRequestSizeHasItsOwnEmptySize() {
        var detector = EmptyFetchDetector()
        // Fewer partitions (a pause, a rebalance): a smaller request and a smaller empty answer.
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400))
        XCTAssertTrue(detector.isEmpty(requestSize: 120, responseSize: 250))
        XCTAssertFalse(detector.isEmpty(requestSize: 120, responseSize: 400), "records in the smaller fetch")
        XCTAssertTrue(detector.isEmpty(requestSize: 200, responseSize: 400))
    }

    func testTheTableStartsOverInsteadOfGrowing() {
        var detector = EmptyFetchDetector()
        for size in 0..<EmptyFetchDetector.remembered {
            XCTAssertTrue(detector.isEmpty(requestSize: 1000 + size, responseSize: 100))
        }
        XCTAssertTrue(detector.isEmpty(requestSize: 1000, responseSize: 100))
        XCTAssertTrue(detector.isEmpty(requestSize: 5000, responseSize: 300), "a new size past the limit clears the table")
        XCTAssertTrue(detector.isEmpty(requestSize: 1000, responseSize: 500), "forgotten: the first answer again")
    }
}
