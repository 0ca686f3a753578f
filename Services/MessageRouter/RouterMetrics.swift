import Metrics

/// message-router's Prometheus counters, made once so the hot path only increments.
struct RouterMetrics: Sendable {
    private let routed: [RoutingTable.Target: Counter]
    let deadLettered = Counter(label: "router_messages_dead_lettered_total")
    /// Outputs the broker did not take; their records stay unresolved and replay after a restart.
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
