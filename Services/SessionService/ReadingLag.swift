/// How far behind the broker session-ms is reading, from the timestamps of the records it
/// consumes (set when they were produced).
///
/// Acks travel through the same consumer as everything else. When it falls behind, an ack
/// that is already on `client-ack` has simply not been read yet, and a timeout that ignores
/// this turns a busy moment into redeliveries (duplicates), more load, and finally messages
/// stored as unacknowledged although their recipient had them. An ack timer that fires
/// while reading is behind waits that much longer first, within a bound.
struct ReadingLag {
    /// A sample older than this says nothing any more: with nothing to read there is no lag.
    static let freshness: Duration = .seconds(1)
    /// The most one delivery attempt waits beyond its ack timeout for reading to catch up.
    /// A retry while the ack may still be unread only adds load, so this is generous; it
    /// bounds the wait if produce timestamps are wrong (a skewed clock).
    static let maxPatience: Duration = .seconds(60)

    private var lag: Duration = .zero
    private var sampledAt: ContinuousClock.Instant?

    /// Records the lag of one consumed record (`producedAt`: its timestamp, ms since 1970).
    mutating func observe(producedAt: Int64?, nowMilliseconds: Int64, at instant: ContinuousClock.Instant) {
        guard let producedAt else { return }
        lag = .milliseconds(max(nowMilliseconds - producedAt, 0))
        sampledAt = instant
    }

    /// The current lag; zero when no record was read recently.
    func current(at instant: ContinuousClock.Instant) -> Duration {
        guard let sampledAt, instant - sampledAt <= Self.freshness else { return .zero }
        return lag
    }

    /// How much longer an ack timer that just fired should wait, given what it already
    /// waited beyond its timeout (`extended`) and the most it may (`limit`); nil: retry now.
    func extraWait(at instant: ContinuousClock.Instant, extended: Duration, limit: Duration) -> Duration? {
        let behind = current(at: instant)
        // A few milliseconds behind is normal; only real lag postpones a retry.
        guard behind >= .milliseconds(50), extended < limit else { return nil }
        return min(behind, limit - extended)
    }
}
