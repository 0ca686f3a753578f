import Logging
import ServiceLifecycle
import Synchronization

/// The gateway's graceful stop, before its sockets close: no new sockets, no new
/// deliveries (session-ms takes "no connection" and hands them to offline storage, from
/// which the clients get them after reconnecting elsewhere), and a wait until the acks
/// of what was already written came back; event streams end at once. Runs last in the service group, so its
/// shutdown comes first; the public port's quiescing then closes the sockets.
final class GatewayDrain: Service, Sendable {
    private let draining = Atomic<Bool>(false)
    private let acks: AwaitedAcks
    private let registry: ConnectionRegistry
    /// Longest wait for outstanding acks.
    private let timeout: Duration
    /// Acks of messages written longer ago than this are not waited for: clients ack
    /// within a round trip, and some messages are never acked (a client that does not
    /// ack server notifications), so the wait ends at most this long after the last write.
    private let ackPatience: Duration
    private let logger: Logger

    init(
        acks: AwaitedAcks, registry: ConnectionRegistry, timeout: Duration = .seconds(5), ackPatience: Duration = .seconds(2),
        logger: Logger
    ) {
        self.acks = acks
        self.registry = registry
        self.timeout = timeout
        self.ackPatience = ackPatience
        self.logger = logger
    }

    var isDraining: Bool { draining.load(ordering: .acquiring) }

    func run() async throws {
        try? await gracefulShutdown()
        draining.store(true, ordering: .releasing)
        registry.finishEventStreams()
        let deadline = ContinuousClock.now + timeout
        var outstanding = acks.outstanding(within: ackPatience)
        logger.info("draining: no new sockets or deliveries", metadata: ["awaitedAcks": "\(outstanding)"])
        // Acks come back within a round trip or two; a short poll costs nothing here.
        while outstanding > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            outstanding = acks.outstanding(within: ackPatience)
        }
        if outstanding > 0 {
            logger.warning("stopping with acks outstanding", metadata: ["awaitedAcks": "\(outstanding)"])
        }
    }
}
