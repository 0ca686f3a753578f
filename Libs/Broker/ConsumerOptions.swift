/// How a `BrokerConsumer` paces itself and commits.
public struct ConsumerOptions: Sendable {
    /// Messages handed out but not yet resolved before polling pauses (back-pressure).
    public var maxInFlight: Int
    /// How often resolved progress is committed while running.
    public var commitInterval: Duration
    /// On a rebalance, how long to wait for in-flight messages of revoked partitions
    /// before handing them over (unresolved ones are then redelivered to the new owner);
    /// capped for consumers with always-fetched topics (`revokeWait`).
    public var revokeDrainTimeout: Duration
    /// Where a group with no committed offset starts: `true` = oldest retained record.
    public var startFromEarliest: Bool
    public var sessionTimeoutMilliseconds: Int
    public var heartbeatIntervalMilliseconds: Int
    public var fetchWaitMaxMilliseconds: Int
    public var maxPollIntervalMilliseconds: Int
    /// Topics back-pressure never pauses: ones whose records finish in-flight work (acks)
    /// rather than add to it. Pausing them would stop exactly what drains the backlog.
    public var alwaysFetchedTopics: Set<String>
    /// How often librdkafka reports its statistics (request counts); zero turns them off.
    public var statisticsInterval: Duration

    // MARK: For a broker that answers empty fetches at once
    // The local broker's accommodations (LocalBrokerAccommodations/README.md).
    // `idleFetchPause` and `emptyFetchBackoff` at zero turn all four off, as docker-compose
    // sets them against Apache Kafka.

    /// How long without a record before fetching pauses (zero: never). The local broker
    /// answers an empty fetch at once, so an idle consumer that kept fetching would spin
    /// (IdleFetchPacing explains the design).
    public var idleFetchPause: Duration
    /// How often an idle consumer asks for its partitions' end offsets (twice as often in
    /// its first second of quiet); the most a record waits for an idle consumer.
    public var idleProbeInterval: Duration
    /// While busy, the least time between two fetch rounds (zero: no pacing; also off
    /// when `idleFetchPause` is zero). A round that brought records ends once they are
    /// handed out, and fetching pauses for the rest of this time instead of asking a
    /// broker that answers at once, and empty, again and again (IdleFetchPacing).
    public var busyFetchPace: Duration
    /// How long librdkafka's fetcher waits after an empty fetch answer before it asks again
    /// (zero: at once, librdkafka's own behaviour). For a broker that answers empty
    /// fetches at once; one that holds them (Apache Kafka) needs none (EmptyFetchBackoff).
    public var emptyFetchBackoff: Duration

    public init(
        maxInFlight: Int = 10_000,
        commitInterval: Duration = .milliseconds(200),
        revokeDrainTimeout: Duration = .seconds(5),
        startFromEarliest: Bool = true,
        sessionTimeoutMilliseconds: Int = 6000,
        heartbeatIntervalMilliseconds: Int = 500,
        fetchWaitMaxMilliseconds: Int = 50,
        maxPollIntervalMilliseconds: Int = 10000,
        alwaysFetchedTopics: Set<String> = [],
        idleFetchPause: Duration = .milliseconds(20),
        idleProbeInterval: Duration = .milliseconds(20),
        busyFetchPace: Duration = .zero,
        emptyFetchBackoff: Duration = .milliseconds(1),
        statisticsInterval: Duration = .seconds(1)
    ) {
        self.maxInFlight = maxInFlight
        self.commitInterval = commitInterval
        self.revokeDrainTimeout = revokeDrainTimeout
        self.startFromEarliest = startFromEarliest
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.fetchWaitMaxMilliseconds = fetchWaitMaxMilliseconds
        self.maxPollIntervalMilliseconds = maxPollIntervalMilliseconds
        self.alwaysFetchedTopics = alwaysFetchedTopics
        self.idleFetchPause = idleFetchPause
        self.idleProbeInterval = idleProbeInterval
        self.busyFetchPace = busyFetchPace
        self.emptyFetchBackoff = emptyFetchBackoff
        self.statisticsInterval = statisticsInterval
    }

    /// At most this long a consumer with always-fetched topics waits on a rebalance: its
    /// in-flight records resolve on exactly those topics' records (session-ms's deliveries
    /// on their client acks), and none is read while a revocation waits: the wait runs on
    /// the poll thread, and librdkafka pauses its fetchers until the revocation is done
    /// (handing acks out during a revocation deferred past the callback was tried; they
    /// still did not come). A long wait only ran the deliveries' ack timers out, so they
    /// were pushed again and stored offline, several copies each (ReplicaTests, consumer
    /// groups grown and shrunk). What is unresolved after it is read again by the
    /// partitions' next owner.
    static let revokeWaitWhenResolvedByReads: Duration = .milliseconds(250)

    /// How long a revocation waits for in-flight records of the revoked partitions.
    var revokeWait: Duration {
        alwaysFetchedTopics.isEmpty ? revokeDrainTimeout : min(revokeDrainTimeout, Self.revokeWaitWhenResolvedByReads)
    }

    func librdkafkaProperties(groupId: String) -> [String: String] {
        [
            "group.id": groupId,
            // Offsets are stored and committed by us, only for resolved messages.
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": startFromEarliest ? "earliest" : "latest",
            "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "heartbeat.interval.ms": String(heartbeatIntervalMilliseconds),
            // Also the rebalance timeout: how long a group waits for members to rejoin.
            // A broker that never expires a killed member (the local one) makes the group
            // wait this long before a replacement gets its partitions.
            "max.poll.interval.ms": String(maxPollIntervalMilliseconds),
            "fetch.wait.max.ms": String(fetchWaitMaxMilliseconds),
            // The local broker ignores fetch size caps; a large cap keeps a lagging
            // consumer from refusing its responses (Docs/LOCAL-SERVERS.md).
            "receive.message.max.bytes": "1000000000",
            "enable.partition.eof": "false",
            "statistics.interval.ms": String(statisticsInterval.milliseconds),
        ]
    }
}
