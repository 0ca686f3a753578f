import Synchronization

/// The rate limit of every user on this gateway: one token bucket per user, shared by all
/// of the user's sockets and event streams and by REST send, so opening more connections
/// or switching to REST buys no more than `rate` messages a second.
///
/// Buckets are forgotten once they are full again, which is the state a new bucket starts
/// in, so forgetting never changes a decision: memory follows the users who sent within
/// the last refill time (`burst / rate` seconds), not everyone who ever connected.
final class UserRateLimits: Sendable {
    let rate: Int
    let burst: Int
    private let state: Mutex<State>

    private struct State {
        var buckets: [String: RateLimiter] = [:]
        /// Sweep when the table has grown past this (twice what the last sweep kept) ...
        var sweepAtCount: Int
        /// ... or when this time has come, so a past crowd does not stay when no new users come.
        var sweepAtTime: ContinuousClock.Instant
    }

    /// Buckets held before size alone triggers a sweep.
    private let minimumSweepCount: Int
    private let sweepInterval: Duration

    init(
        rate: Int, burst: Int, minimumSweepCount: Int = 1024, sweepInterval: Duration = .seconds(10),
        now: ContinuousClock.Instant = .now
    ) {
        self.rate = rate
        self.burst = burst
        self.minimumSweepCount = minimumSweepCount
        self.sweepInterval = sweepInterval
        state = Mutex(State(sweepAtCount: minimumSweepCount, sweepAtTime: now + sweepInterval))
    }

    /// Takes `count` messages from `user`'s budget; false (nothing taken) when over it.
    func allow(_ user: String, count: Int = 1, now: ContinuousClock.Instant = .now) -> Bool {
        // A swept table is freed after the lock is released.
        var swept: [String: RateLimiter]?
        let allowed = state.withLock { state in
            var bucket = state.buckets[user] ?? RateLimiter(rate: rate, burst: burst, now: now)
            let allowed = bucket.allow(count, now: now)
            state.buckets[user] = bucket
            if state.buckets.count > state.sweepAtCount || now >= state.sweepAtTime {
                let kept = state.buckets.filter { !$0.value.isFull(at: now) }
                swept = state.buckets
                state.buckets = kept
                state.sweepAtCount = max(minimumSweepCount, kept.count * 2)
                state.sweepAtTime = now + sweepInterval
            }
            return allowed
        }
        _ = swept
        return allowed
    }

    /// Buckets held, the full ones not yet swept included.
    var trackedUsers: Int { state.withLock { $0.buckets.count } }
}
