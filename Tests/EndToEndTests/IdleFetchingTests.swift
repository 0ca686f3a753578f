import Foundation
import TestSupport
import XCTest

/// An idle stack must not spin on the local broker's empty fetch answers, and a message
/// after a quiet spell must still be delivered at once (librdkafka 2.0.2 needs a wake-up
/// after a resume, or the first fetch waits up to a second).
final class IdleFetchingTests: XCTestCase {
    private static let consumerServices = ["message-router", "session-ms", "persistence", "push-notification", "group-router"]
    /// A spinning consumer sends thousands of fetches a second; a paced idle one none,
    /// but for what leftover work from earlier tests (retries) may still cause.
    private static let idleFetchesPerSecondLimit = 25.0

    func testIdleConsumersStopFetching() async throws {
        // Leftover work from earlier tests may still be finishing: the check passes as
        // soon as one 5 s window is quiet for every consumer, and fails if none is in 60 s.
        var rates: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            let before = try await Self.fetchCounters()
            let started = ContinuousClock.now
            try await Task.sleep(for: .seconds(5))
            let after = try await Self.fetchCounters()
            let seconds = Double((ContinuousClock.now - started).components.seconds)
            rates = after.merging(before) { ($0 - $1) / seconds }
            if rates.values.allSatisfy({ $0 <= Self.idleFetchesPerSecondLimit }) { break }
        } while ContinuousClock.now < deadline
        for service in Self.consumerServices {
            let rate = try XCTUnwrap(rates[service], "no broker_fetch_requests_total for \(service)")
            XCTAssertLessThanOrEqual(rate, Self.idleFetchesPerSecondLimit, "\(service) fetches \(rate)/s while idle")
        }
        let probes = try await Self.counters(named: "broker_idle_probes_total")
        for service in Self.consumerServices {
            XCTAssertGreaterThan(probes[service] ?? 0, 0, "\(service) never probed while paused")
        }
    }

    func testAMessageAfterAQuietSpellArrivesAtOnce() async throws {
        let (sender, recipient) = try await ChatClient.connectedPair()
        defer { sender.close(); recipient.close() }
        let bob = recipient.user

        var latencies: [Duration] = []
        for round in 0..<5 {
            // Quiet long enough for every consumer on the path to pause its fetching.
            try await waitUntilPaused(["message-router", "session-ms"])
            let sent = ContinuousClock.now
            sender.sendMessage(to: bob, id: "quiet-\(round)", text: "after a quiet spell")
            _ = try await recipient.waitForFrame("message \(round)") { $0.id == "quiet-\(round)" }
            latencies.append(ContinuousClock.now - sent)
        }
        let median = latencies.sorted()[latencies.count / 2]
        // Without the wake-up after a resume each of the two consumer hops waited up to
        // 1 s; with it a hop waits at most one probe interval (20 ms).
        XCTAssertLessThan(median, .milliseconds(400), "latencies after a quiet spell: \(latencies)")
    }

    /// Waits until each service's consumer has paused fetching for idleness.
    private func waitUntilPaused(_ services: [String]) async throws {
        try await eventually(timeout: .seconds(20), "\(services) to pause fetching") {
            let idle = try await Self.counters(named: "broker_fetch_idle")
            return services.allSatisfy { idle[$0] == 1 }
        }
        // The gauge is refreshed once a second: a little more quiet makes sure the
        // message goes into a paused pipeline, not into its last fetches.
        try await Task.sleep(for: .milliseconds(500))
    }

    private static func fetchCounters() async throws -> [String: Double] {
        try await counters(named: "broker_fetch_requests_total")
    }

    private static func counters(named name: String) async throws -> [String: Double] {
        try await ServiceMetrics.values(named: name, of: consumerServices)
    }
}
