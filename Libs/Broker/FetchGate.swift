/// Decides when a consumer's fetching pauses and resumes.
///
/// Back-pressure pauses every partition but the always-fetched ones once `maxInFlight`
/// records are handed out and unresolved, and resumes them at half that. While it does not
/// pause, the local broker's idle pausing and busy pacing decide (`IdleFetchPacing`, in
/// LocalBrokerAccommodations); with `idleAfter` zero they never act and librdkafka fetches
/// as it always does. Each pause is lifted on its own condition.
///
/// Pure bookkeeping: the poll thread applies the actions it returns.
struct FetchGate {
    enum State: Equatable {
        /// Partitions fetch; librdkafka fetches continuously.
        case fetching
        /// Partitions but the always-fetched ones are paused: too much is unresolved.
        case backPressured
        /// Every partition is paused: nothing arrived for `idleAfter`.
        case idle
        /// Every partition is paused between two fetch rounds while busy, until `until`.
        case paced(until: ContinuousClock.Instant)
    }

    enum Action: Equatable {
        case none
        /// Pause the partitions that back-pressure pauses.
        case pauseForBackPressure
        /// Resume what back-pressure paused and wake the fetcher.
        case resumeFromBackPressure
        /// Pause every partition.
        case pauseForIdle
        /// Ask for the partitions' end offsets and report them with `probed`.
        case probe
        /// Pause every partition until the next fetch round.
        case pauseForPace
        /// Resume every partition and wake the fetcher: the next fetch round.
        case resumeFromPace
    }

    let maxInFlight: Int
    private var backPressured = false
    private var pacing: IdleFetchPacing

    init(
        idleAfter: Duration, probeInterval: Duration, maxInFlight: Int, busyPace: Duration = .zero,
        now: ContinuousClock.Instant
    ) {
        self.maxInFlight = maxInFlight
        pacing = IdleFetchPacing(idleAfter: idleAfter, probeInterval: probeInterval, busyPace: busyPace, now: now)
    }

    var state: State { backPressured ? .backPressured : pacing.state }

    /// A record was handed out.
    mutating func arrived(at now: ContinuousClock.Instant) {
        pacing.arrived(at: now)
    }

    /// The assignment changed; the new partitions are not paused, so start over.
    mutating func reassigned(at now: ContinuousClock.Instant) {
        backPressured = false
        pacing.reassigned(at: now)
    }

    /// What to do now, given the records in flight and whether the last poll found the
    /// local queue empty.
    mutating func next(inFlight: Int, queueEmpty: Bool = false, now: ContinuousClock.Instant) -> Action {
        if backPressured {
            guard inFlight < maxInFlight / 2 else { return .none }
            backPressured = false
            pacing.resumed(at: now)
            return .resumeFromBackPressure
        }
        // Checked before pacing, and only while fetching: idle or paced, every partition
        // is paused already.
        if pacing.state == .fetching, inFlight >= maxInFlight {
            backPressured = true
            return .pauseForBackPressure
        }
        return pacing.next(queueEmpty: queueEmpty, now: now)
    }

    /// An idle probe's answer: true when fetching must resume (`IdleFetchPacing.probed`).
    mutating func probed(hasNewRecords: Bool, now: ContinuousClock.Instant) -> Bool {
        pacing.probed(hasNewRecords: hasNewRecords, now: now)
    }

    /// How long the poll thread may block waiting for a record before it must act.
    func pollTimeout(now: ContinuousClock.Instant, ceiling: Duration) -> Duration {
        backPressured ? ceiling : pacing.pollTimeout(now: now, ceiling: ceiling)
    }
}
