/// When a consumer pauses its fetching for a broker that answers empty fetches at once,
/// and when it resumes.
///
/// librdkafka sends the next fetch as soon as the last one is answered and counts on the
/// broker to hold an empty fetch for `fetch.wait.max.ms`. A broker that answers at once
/// (the local noida-db) turns every idle consumer into a busy loop. So an idle consumer
/// pauses its partitions and instead asks for their end offsets (one ListOffsets request,
/// `IdleProbe`) every `probeInterval`, twice as often during the first second of quiet
/// (chat traffic comes in bursts): fetching resumes only when a partition has a record
/// past what was handed out. Each probe costs a few thread wake-ups in the consumer and
/// the broker, so the interval is what an idle stack costs.
///
/// Busy pacing, off unless `busyPace` is set: once a fetch round's records are all handed
/// out, every partition pauses until `busyPace` has passed, instead of asking a broker that
/// answers at once, and empty, again and again.
///
/// A zero `idleAfter` turns both off (a broker that holds fetches needs neither). Pure
/// bookkeeping: `FetchGate` asks it while back-pressure does not pause, and the poll
/// thread applies the actions. Its states and actions are `FetchGate`'s, back-pressure's
/// aside.
struct IdleFetchPacing {
    let idleAfter: Duration
    let probeInterval: Duration
    /// While busy, the least time from one fetch round to the next (zero: no pacing).
    let busyPace: Duration
    private(set) var state: FetchGate.State = .fetching
    /// Whether a record arrived since fetching last resumed: a round that brought
    /// records ends once the local queue is empty.
    private var arrivedThisRound = false
    private(set) var lastArrival: ContinuousClock.Instant
    /// Set when a probe resumed fetching: until a record arrives or this passes, fetching
    /// does not count as idle. A busy broker (a large log being rewritten) can take longer
    /// than `idleAfter` to answer the first fetch after a resume; pausing again before it
    /// answers would resume and pause forever with records waiting, which stalled a
    /// consumer that had fallen behind.
    private var awaitingProbedRecordsUntil: ContinuousClock.Instant?
    static let probedRecordsPatience: Duration = .seconds(1)
    private(set) var nextProbe: ContinuousClock.Instant
    private var idleSince: ContinuousClock.Instant
    /// How long after pausing probes come at half the interval.
    static let quickProbePeriod: Duration = .seconds(1)

    init(idleAfter: Duration, probeInterval: Duration, busyPace: Duration, now: ContinuousClock.Instant) {
        self.idleAfter = idleAfter
        self.probeInterval = probeInterval
        self.busyPace = busyPace
        self.lastArrival = now
        self.nextProbe = now
        self.idleSince = now
    }

    /// A zero `idleAfter` turns idle pausing off (a broker that holds fetches needs none).
    var pausesWhenIdle: Bool { idleAfter > .zero }

    /// Busy pacing is on only with idle pausing: a broker that holds fetches needs neither.
    var pacesWhenBusy: Bool { pausesWhenIdle && busyPace > .zero }

    /// A record was handed out.
    mutating func arrived(at now: ContinuousClock.Instant) {
        lastArrival = now
        awaitingProbedRecordsUntil = nil
        arrivedThisRound = true
    }

    /// The assignment changed; the new partitions are not paused, so start over.
    mutating func reassigned(at now: ContinuousClock.Instant) {
        state = .fetching
        lastArrival = now
        awaitingProbedRecordsUntil = nil
        arrivedThisRound = false
    }

    /// Fetching resumed for another reason (back-pressure lifted): the quiet period
    /// starts over.
    mutating func resumed(at now: ContinuousClock.Instant) {
        lastArrival = now
    }

    /// What to do now, given whether the last poll found the local queue empty.
    mutating func next(queueEmpty: Bool, now: ContinuousClock.Instant) -> FetchGate.Action {
        switch state {
        case .fetching:
            if pausesWhenIdle, now - lastArrival >= idleAfter, now >= awaitingProbedRecordsUntil ?? now {
                awaitingProbedRecordsUntil = nil
                state = .idle
                idleSince = now
                nextProbe = now + currentProbeInterval(now: now)
                return .pauseForIdle
            }
            // A round brought records and they are all handed out: the broker would answer
            // the next fetches at once and empty, so wait out the pace instead.
            if pacesWhenBusy, arrivedThisRound, queueEmpty {
                state = .paced(until: now + busyPace)
                return .pauseForPace
            }
            return .none
        case .paced(let until):
            guard now >= until else { return .none }
            state = .fetching
            arrivedThisRound = false
            return .resumeFromPace
        case .idle:
            guard now >= nextProbe else { return .none }
            nextProbe = now + currentProbeInterval(now: now)
            return .probe
        case .backPressured:
            return .none
        }
    }

    private func currentProbeInterval(now: ContinuousClock.Instant) -> Duration {
        now - idleSince < Self.quickProbePeriod ? probeInterval / 2 : probeInterval
    }

    /// The probe's answer: true when fetching must resume (a partition has records past
    /// what was handed out, or the probe failed and only fetching can tell).
    mutating func probed(hasNewRecords: Bool, now: ContinuousClock.Instant) -> Bool {
        guard state == .idle, hasNewRecords else { return false }
        state = .fetching
        lastArrival = now
        awaitingProbedRecordsUntil = now + Self.probedRecordsPatience
        return true
    }

    /// How long the poll thread may block waiting for a record before this must act.
    func pollTimeout(now: ContinuousClock.Instant, ceiling: Duration) -> Duration {
        let deadline: ContinuousClock.Instant
        switch state {
        case .fetching where pacesWhenBusy && arrivedThisRound: return .zero
        case .fetching where pausesWhenIdle: deadline = max(lastArrival + idleAfter, awaitingProbedRecordsUntil ?? lastArrival)
        case .idle: deadline = nextProbe
        case .paced(let until): deadline = until
        case .fetching, .backPressured: return ceiling
        }
        return min(max(deadline - now, .milliseconds(1)), ceiling)
    }
}
