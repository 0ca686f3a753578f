import Metrics

/// persistence's Prometheus counters, made once so the hot path only increments.
struct PersistenceMetrics: Sendable {
    let stored = Counter(label: "persistence_messages_stored_total")
    let acknowledged = Counter(label: "persistence_acks_total")
    let ephemeralIgnored = Counter(label: "persistence_ephemeral_ignored_total")
    let writeBatches = Counter(label: "persistence_write_batches_total")
    let redelivered = Counter(label: "persistence_messages_redelivered_total")
}
