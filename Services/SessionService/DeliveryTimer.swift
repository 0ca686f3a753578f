/// How `DeliveryCoordinator` waits (ack timeouts, retry backoff, connection waits): real
/// time in the service; a clock the test moves by hand in its unit tests, so a retry after
/// a 3 s timeout is tested without waiting 3 s.
struct DeliveryTimer: Sendable {
    /// Returns after `duration`, or throws if the waiting task is cancelled.
    let sleep: @Sendable (_ duration: Duration) async throws -> Void

    static let realTime = DeliveryTimer { duration in try await Task.sleep(for: duration) }
}
