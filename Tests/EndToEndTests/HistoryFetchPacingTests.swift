import Foundation
import TestSupport
import XCTest

/// persistence's history consumer is on nobody's latency path, so while messages flow it
/// fetches in paced rounds (`--history-fetch-pace-ms`, 100 in the test stack as by
/// default) instead of asking the local broker again the moment an answer comes back,
/// which is thousands of fetches a second.
final class HistoryFetchPacingTests: XCTestCase {
    private static let consumer = "consumer=\"history-consumer\""
    /// At most ten rounds a second, each a few fetches; unpaced it is thousands.
    private static let busyFetchesPerSecondLimit = 80.0

    func testTheHistoryConsumerFetchesInPacedRoundsWhileMessagesFlow() async throws {
        let (sender, recipient) = try await ChatClient.connectedPair()
        defer { sender.close(); recipient.close() }
        let bob = recipient.user

        let fetchesBefore = try await Self.metric("broker_fetch_requests_total")
        let roundsBefore = try await Self.metric("broker_paced_rounds_total")
        let started = ContinuousClock.now
        // 300 messages over about 3 s: the consumer stays busy (a record at least every
        // 20 ms), so it never pauses for idleness and only the pace holds it back.
        let count = 300
        for index in 0..<count {
            sender.sendMessage(to: bob, id: "paced-\(index)", text: "message \(index)")
            if index % 10 == 9 { try await Task.sleep(for: .milliseconds(100)) }
        }
        let received = try await recipient.waitForMessages(count)
        XCTAssertEqual(Set(received.compactMap(\.id)).count, count)
        // The counters reach /metrics once a second; without pacing none ever comes, and
        // the fetch count below says how far off it is.
        try? await eventually(timeout: .seconds(10), "the history consumer to count paced rounds") {
            try await Self.metric("broker_paced_rounds_total") > roundsBefore
        }
        let rounds = try await Self.metric("broker_paced_rounds_total") - roundsBefore
        XCTAssertGreaterThan(rounds, 0, "the history consumer never paused between fetch rounds")
        let fetches = try await Self.metric("broker_fetch_requests_total") - fetchesBefore
        let seconds = Double((ContinuousClock.now - started).components.seconds) + 1
        XCTAssertLessThanOrEqual(
            fetches / seconds, Self.busyFetchesPerSecondLimit,
            "the history consumer sent \(fetches) fetches in \(seconds) s of traffic")
    }

    private static func metric(_ name: String) async throws -> Double {
        try await ServiceMetrics.value(named: name, label: consumer, of: "persistence")
    }
}
