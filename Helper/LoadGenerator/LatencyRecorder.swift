import Synchronization

/// Latencies in microseconds, kept whole so percentiles are exact (a run holds at most a
/// few million samples).
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[UInt64]>([])

    func record(microseconds: UInt64) {
        samples.withLock { $0.append(microseconds) }
    }

    var summary: LatencySummary { LatencySummary(samples.withLock { $0 }) }

    /// Every sample in milliseconds, in the order recorded.
    var milliseconds: [Double] { samples.withLock { $0.map { Double($0) / 1000 } } }
}

struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Double
    let p95: Double
    let p99: Double
    let max: Double

    /// Milliseconds at each percentile (nearest rank).
    init(_ samples: [UInt64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func at(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Swift.min(sorted.count - 1, Swift.max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[rank]) / 1000
        }
        p50 = at(0.50)
        p95 = at(0.95)
        p99 = at(0.99)
        max = Double(sorted.last ?? 0) / 1000
    }

    var description: String {
        String(format: "p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  (n=%d)", p50, p95, p99, max, count)
    }
}
