import Foundation

/// A token bucket: `rate` messages per second on average, bursts up to `burst`. One per
/// user, kept by `UserRateLimits`, which serializes access to it.
struct RateLimiter {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Int, burst: Int, now: ContinuousClock.Instant = .now) {
        self.rate = Double(rate)
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.last = now
    }

    /// Takes `count` tokens if the bucket holds them. A request larger than the whole
    /// burst (a REST batch) is let through from a full bucket and leaves it owing the
    /// rest, so a small burst never refuses such a request for good, and the average holds.
    mutating func allow(_ count: Int = 1, now: ContinuousClock.Instant = .now) -> Bool {
        refill(now: now)
        guard tokens >= min(Double(count), burst) else { return false }
        tokens -= Double(count)
        return true
    }

    /// Full again by `now`: forgetting the bucket then changes nothing, since a new one
    /// starts full.
    func isFull(at now: ContinuousClock.Instant) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens >= burst
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        let elapsed = max(now - last, .zero)
        last = max(last, now)
        tokens = min(burst, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
}
