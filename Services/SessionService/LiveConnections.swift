import ChatProtocol

/// Which gateways hold a socket of each user, as this session-ms instance knows it: what
/// a delivery reads, so delivering to an online user needs no database round trip.
///
/// Events this instance applies are exact for the users it owns (connection events are
/// keyed by user, like the messages to them). What another instance applied reaches this
/// one only through the database copy, so a user's entry counts as current for a while
/// (`freshFor`) after it was last applied or read from the database; after that a lookup
/// reads the database again when it can. A database read never overwrites an event
/// applied while it was under way: each user's state carries a generation, and a read
/// lands only if the generation it started from is still there.
///
/// Pure bookkeeping; `ConnectionDirectory` locks it and does the I/O.
struct LiveConnections {
    struct Connection: Equatable, Sendable {
        let id: String
        let user: String
        let gateway: String
        let gatewayInternalURL: String
        /// The CONNECTED event's timestamp, epoch ms.
        let since: UInt64
    }

    private struct UserState {
        /// By connection id.
        var connections: [String: Connection]
        var verifiedAt: ContinuousClock.Instant
        var generation: UInt64
    }

    /// What a lookup found.
    struct Lookup {
        /// The distinct internal URLs of the gateways holding the user's sockets.
        let gatewayInternalURLs: [String]
        /// Whether the entry is recent enough to answer without reading the database.
        let isFresh: Bool
        /// The generation to hand back with a database read of this user (`replace`).
        let generation: UInt64
    }

    let freshFor: Duration
    private var users: [String: UserState] = [:]
    private var generations: UInt64 = 0
    private var pruneAt: Int
    private let pruneThreshold: Int

    init(freshFor: Duration, pruneThreshold: Int = 100_000) {
        self.freshFor = freshFor
        self.pruneThreshold = pruneThreshold
        pruneAt = pruneThreshold
    }

    var userCount: Int { users.count }

    var connectionCount: Int { users.values.reduce(0) { $0 + $1.connections.count } }

    /// Generation 0 means "never seen": no state of a user carries it.
    func lookup(_ user: String, at now: ContinuousClock.Instant) -> Lookup {
        guard let state = users[user] else { return Lookup(gatewayInternalURLs: [], isFresh: false, generation: 0) }
        var seen = Set<String>()
        let urls = state.connections.values.sorted { $0.since < $1.since }.map(\.gatewayInternalURL)
            .filter { seen.insert($0).inserted }
        return Lookup(gatewayInternalURLs: urls, isFresh: now - state.verifiedAt < freshFor, generation: state.generation)
    }

    /// An event does not make a user's entry current: connections another instance
    /// recorded may be missing from it (a user first seen through an event has the
    /// database read before a lookup trusts the entry).
    mutating func apply(_ event: ConnectionState, at now: ContinuousClock.Instant) {
        var state = users[event.user] ?? UserState(connections: [:], verifiedAt: staleInstant(at: now), generation: 0)
        switch event.state {
        case .connected:
            state.connections[event.connectionId] = Connection(
                id: event.connectionId, user: event.user, gateway: event.gateway,
                gatewayInternalURL: event.gatewayInternalURL, since: event.timestamp)
        case .disconnected:
            state.connections.removeValue(forKey: event.connectionId)
        }
        store(state, for: event.user, at: now)
    }

    /// A database read of `user` that started at `generation` (from `lookup`): lands only if
    /// nothing changed the user meanwhile. Returns whether it landed.
    @discardableResult
    mutating func replace(
        _ user: String, with connections: [Connection], readAtGeneration generation: UInt64, at now: ContinuousClock.Instant
    ) -> Bool {
        guard (users[user]?.generation ?? 0) == generation else { return false }
        store(
            UserState(connections: Dictionary(connections.map { ($0.id, $0) }, uniquingKeysWith: { $1 }), verifiedAt: now, generation: 0),
            for: user, at: now)
        return true
    }

    /// Every connection the database holds, read when the instance starts: users this
    /// instance applied an event of meanwhile keep what they have.
    mutating func load(_ connections: [Connection], at now: ContinuousClock.Instant) {
        var byUser: [String: [Connection]] = [:]
        for connection in connections { byUser[connection.user, default: []].append(connection) }
        for (user, connections) in byUser {
            replace(user, with: connections, readAtGeneration: 0, at: now)
        }
    }

    /// The next lookup of `user` reads the database when it can.
    mutating func markStale(_ user: String, at now: ContinuousClock.Instant) {
        let stale = staleInstant(at: now)
        users[user]?.verifiedAt = stale
    }

    private func staleInstant(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        now - freshFor - .seconds(1)
    }

    /// A gateway said the user has no socket there.
    mutating func forget(_ gatewayInternalURL: String, of user: String, at now: ContinuousClock.Instant) {
        guard var state = users[user] else { return }
        let before = state.connections.count
        state.connections = state.connections.filter { $0.value.gatewayInternalURL != gatewayInternalURL }
        if state.connections.count != before { store(state, for: user, at: now) }
    }

    /// Every connection recorded at `gatewayInternalURL` before `before` (epoch ms).
    func connections(at gatewayInternalURL: String, before: UInt64) -> [Connection] {
        users.values.flatMap { $0.connections.values }.filter { $0.gatewayInternalURL == gatewayInternalURL && $0.since < before }
    }

    private mutating func store(_ state: UserState, for user: String, at now: ContinuousClock.Instant) {
        var state = state
        generations += 1
        state.generation = generations
        users[user] = state
        guard users.count > pruneAt else { return }
        // Users with no socket cost a database read to learn again, nothing more.
        users = users.filter { !$0.value.connections.isEmpty || now - $0.value.verifiedAt < freshFor }
        pruneAt = max(pruneThreshold, users.count * 2)
    }
}
