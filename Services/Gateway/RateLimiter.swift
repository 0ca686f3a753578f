import Foundation

/// A token bucket per connection: `rate` messages per second on average, bursts up to
/// `burst`. Owned by one socket's frame handler on its event loop, so it needs no lock.
struct RateLimiter {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.last = .now
    }

    mutating func allow(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = max(now - last, .zero)
        last = max(last, now)
        tokens = min(burst, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
