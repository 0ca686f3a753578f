@testable import Broker
import XCTest

/// The pacing decisions alone, on a made-up clock.
final class FetchGateTests: XCTestCase {
    private let start = ContinuousClock.now

    private func gate() -> FetchGate {
        FetchGate(idleAfter: .milliseconds(20), probeInterval: .milliseconds(10), maxInFlight: 100, now: start)
    }

    func testFetchingPausesOnlyAfterTheQuietPeriod() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(19)), .none)
        gate.arrived(at: start + .milliseconds(19))
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(38)), .none, "a record restarts the quiet period")
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(39)), .pauseForIdle)
        XCTAssertEqual(gate.state, .idle)
    }

    func testAnIdleGateProbesAndResumesOnlyOnNewRecords() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(20)), .pauseForIdle)
        // The first second of quiet: every half interval (5 ms).
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(24)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(25)), .probe)
        XCTAssertFalse(gate.probed(hasNewRecords: false, now: start + .milliseconds(25)))
        XCTAssertEqual(gate.state, .idle)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(29)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(30)), .probe)
        XCTAssertTrue(gate.probed(hasNewRecords: true, now: start + .milliseconds(30)))
        XCTAssertEqual(gate.state, .fetching)
        // Resumed, it waits for the records the probe saw however slow the broker is to hand
        // them over (up to a second), then fetches for a whole quiet period after the last.
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(500)), .none)
        gate.arrived(at: start + .milliseconds(600))
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(619)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(620)), .pauseForIdle)
    }

    func testAProbeThatSawRecordsWaitsForThemOnlySoLong() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(20)), .pauseForIdle)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(25)), .probe)
        XCTAssertTrue(gate.probed(hasNewRecords: true, now: start + .milliseconds(25)))
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(25), ceiling: .seconds(5)), .seconds(1))
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1024)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1025)), .pauseForIdle, "none came: idle again")
        // The patience is for one resume only: the next quiet period is the usual one.
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1030)), .probe)
        XCTAssertTrue(gate.probed(hasNewRecords: true, now: start + .milliseconds(1030)))
        gate.arrived(at: start + .milliseconds(1031))
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1051)), .pauseForIdle)
    }

    func testAfterASecondOfQuietProbesComeEveryInterval() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(20)), .pauseForIdle)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1020)), .probe)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1029)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(1030)), .probe)
    }

    func testBackPressurePausesAndResumesAtHalfTheLimit() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 100, now: start), .pauseForBackPressure)
        XCTAssertEqual(gate.next(inFlight: 50, now: start + .seconds(1)), .none, "not idle: it is waiting on its work")
        XCTAssertEqual(gate.next(inFlight: 49, now: start + .seconds(1)), .resumeFromBackPressure)
        XCTAssertEqual(gate.state, .fetching)
    }

    func testAReassignmentStartsFetchingAgain() {
        var gate = gate()
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(20)), .pauseForIdle)
        gate.reassigned(at: start + .milliseconds(25))
        XCTAssertEqual(gate.state, .fetching)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .milliseconds(44)), .none)
    }

    func testPollTimeoutEndsWhenTheGateMustAct() {
        var gate = gate()
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(5), ceiling: .milliseconds(100)), .milliseconds(15))
        _ = gate.next(inFlight: 0, now: start + .milliseconds(20))
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(22), ceiling: .milliseconds(100)), .milliseconds(3))
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(40), ceiling: .milliseconds(100)), .milliseconds(1))
    }

    func testZeroIdleAfterNeverPauses() {
        var gate = FetchGate(idleAfter: .zero, probeInterval: .milliseconds(10), maxInFlight: 10, now: start)
        XCTAssertEqual(gate.next(inFlight: 0, now: start + .seconds(60)), .none)
        XCTAssertEqual(gate.pollTimeout(now: start, ceiling: .milliseconds(100)), .milliseconds(100))
    }

    func testStatisticsSumTheRequestCountsOfEveryBroker() {
        let json = #"{"brokers":{"a":{"req":{"Produce":3,"Fetch":120,"ListOffsets":4}},"b":{"req":{"Fetch": 7,"ListOffsets":0}}},"topics":{"t":{"fetchq_cnt":9}}}"#
        var statistics = FetchStatistics()
        Array(json.utf8).withUnsafeBytes { statistics.update(fromStatistics: $0) }
        XCTAssertEqual(statistics.fetchRequests, 127)
        XCTAssertEqual(statistics.listOffsetsRequests, 4)
    }

    // MARK: - Busy pacing

    private func pacedGate() -> FetchGate {
        FetchGate(
            idleAfter: .milliseconds(20), probeInterval: .milliseconds(10), maxInFlight: 100, busyPace: .milliseconds(2),
            now: start)
    }

    func testARoundThatBroughtRecordsEndsOnceTheQueueIsEmptyAndResumesAfterThePace() {
        var gate = pacedGate()
        // Nothing arrived yet this round: an empty queue is no reason to pause.
        XCTAssertEqual(gate.next(inFlight: 0, queueEmpty: true, now: start + .milliseconds(1)), .none)
        gate.arrived(at: start + .milliseconds(1))
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(1), ceiling: .seconds(1)), .zero, "only asks whether more is queued")
        XCTAssertEqual(gate.next(inFlight: 1, queueEmpty: false, now: start + .milliseconds(1)), .none, "records still queued")
        XCTAssertEqual(gate.next(inFlight: 1, queueEmpty: true, now: start + .milliseconds(1)), .pauseForPace)
        XCTAssertEqual(gate.pollTimeout(now: start + .milliseconds(1), ceiling: .seconds(1)), .milliseconds(2))
        XCTAssertEqual(gate.next(inFlight: 1, queueEmpty: true, now: start + .milliseconds(2)), .none)
        XCTAssertEqual(gate.next(inFlight: 1, queueEmpty: true, now: start + .milliseconds(3)), .resumeFromPace)
        XCTAssertEqual(gate.state, .fetching)
        // The new round brought nothing yet: it fetches until records come or it goes idle.
        XCTAssertEqual(gate.next(inFlight: 0, queueEmpty: true, now: start + .milliseconds(4)), .none)
        XCTAssertEqual(gate.next(inFlight: 0, queueEmpty: true, now: start + .milliseconds(21)), .pauseForIdle)
    }

    func testBackPressureComesBeforePacing() {
        var gate = pacedGate()
        gate.arrived(at: start)
        XCTAssertEqual(gate.next(inFlight: 100, queueEmpty: true, now: start), .pauseForBackPressure)
    }

    func testNoPacingWithoutIdlePausing() {
        var gate = FetchGate(idleAfter: .zero, probeInterval: .milliseconds(10), maxInFlight: 100, busyPace: .milliseconds(2), now: start)
        gate.arrived(at: start)
        XCTAssertEqual(gate.next(inFlight: 1, queueEmpty: true, now: start), .none)
        XCTAssertEqual(gate.state, .fetching)
    }
}
