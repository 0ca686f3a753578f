import Broker
import ServiceKit
import Logging
import Metrics
import ServiceLifecycle

/// Runs a consumer as a lifecycle service: hands every record to `handle` in arrival
/// order and, on graceful shutdown, stops fetching, lets in-flight records resolve and
/// commits. `handle` must eventually call `consumer.resolve` for each record it got
/// (it may do so later, from another task, to pipeline work).
public struct ConsumerService: Service {
    public let consumer: BrokerConsumer
    private let name: String
    private let readiness: Readiness
    private let drainTimeout: Duration
    private let handle: @Sendable (ConsumedMessage) async -> Void

    public init(
        name: String, consumer: BrokerConsumer, readiness: Readiness, drainTimeout: Duration = .seconds(10),
        handle: @escaping @Sendable (ConsumedMessage) async -> Void
    ) {
        self.name = name
        self.consumer = consumer
        self.readiness = readiness
        self.drainTimeout = drainTimeout
        self.handle = handle
        readiness.register(name)
    }

    public func run() async throws {
        let consumer = self.consumer
        let readiness = self.readiness
        let name = self.name
        // Ready once the group has assigned partitions to this member.
        let readinessWatch = Task {
            while !consumer.hasJoinedGroup, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
            readiness.markReady(name)
        }
        defer { readinessWatch.cancel() }
        let statisticsExport = Task { await Self.exportFetchStatistics(of: consumer, name: name) }
        defer { statisticsExport.cancel() }
        await withGracefulShutdownHandler {
            for await message in consumer.messages {
                await handle(message)
            }
        } onGracefulShutdown: { [drainTimeout] in
            Task { await consumer.close(drainTimeout: drainTimeout) }
        }
    }

    /// Publishes the consumer's fetch statistics as counters, so `/metrics` shows whether
    /// an idle consumer really stopped fetching (the idle-fetch check reads them).
    private static func exportFetchStatistics(of consumer: BrokerConsumer, name: String) async {
        let dimensions = [("consumer", name)]
        let fetches = Counter(label: "broker_fetch_requests_total", dimensions: dimensions)
        let listOffsets = Counter(label: "broker_list_offsets_requests_total", dimensions: dimensions)
        let pauses = Counter(label: "broker_idle_pauses_total", dimensions: dimensions)
        let probes = Counter(label: "broker_idle_probes_total", dimensions: dimensions)
        let pacedRounds = Counter(label: "broker_paced_rounds_total", dimensions: dimensions)
        let emptyWaits = Counter(label: "broker_empty_fetch_waits_total", dimensions: dimensions)
        let idle = Gauge(label: "broker_fetch_idle", dimensions: dimensions)
        var exported = FetchStatistics()
        while !Task.isCancelled {
            let now = consumer.fetchStatistics
            fetches.increment(by: max(0, now.fetchRequests - exported.fetchRequests))
            listOffsets.increment(by: max(0, now.listOffsetsRequests - exported.listOffsetsRequests))
            pauses.increment(by: max(0, now.idlePauses - exported.idlePauses))
            probes.increment(by: max(0, now.probes - exported.probes))
            pacedRounds.increment(by: max(0, now.pacedRounds - exported.pacedRounds))
            emptyWaits.increment(by: max(0, now.emptyFetchWaits - exported.emptyFetchWaits))
            idle.record(now.isIdle ? 1 : 0)
            exported = now
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
