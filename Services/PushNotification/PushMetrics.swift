import Metrics

/// push-notification's Prometheus counters, made once so the hot path only increments.
struct PushMetrics: Sendable {
    let sent = Counter(label: "push_sent_total")
    let failed = Counter(label: "push_failed_total")
    let unregistered = Counter(label: "push_tokens_unregistered_total")
    let bursts = Counter(label: "push_bursts_total")
    let messages = Counter(label: "push_messages_total")
    let withoutDevices = Counter(label: "push_bursts_without_devices_total")
    let logins = Counter(label: "push_logins_total")
    let invalid = Counter(label: "push_invalid_records_total")

    func skipped(_ reason: PushEvent.SkipReason) {
        Counter(label: "push_skipped_total", dimensions: [("reason", reason.rawValue)]).increment()
    }
}
