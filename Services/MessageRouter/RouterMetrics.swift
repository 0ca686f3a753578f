import Metrics

/// message-router's Prometheus counters, made once so the hot path only increments.
struct RouterMetrics: Sendable {
    private let routed: [RoutingTable.Target: Counter]
    /// Outputs the producer did not take; their records stay unresolved and replay after a
    /// restart. (Dead-lettered records: `dead_lettered_total`; outputs the broker refused
    /// later: `pipeline_outputs_refused_total`.)
    let failed = Counter(label: "router_messages_failed_total")

    init() {
        routed = Dictionary(
            uniqueKeysWithValues: RoutingTable.Target.allCases.map {
                ($0, Counter(label: "router_messages_routed_total", dimensions: [("target", $0.rawValue)]))
            })
    }

    func countRouted(_ target: RoutingTable.Target) {
        routed[target]?.increment()
    }
}
