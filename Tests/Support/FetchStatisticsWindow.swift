import Broker

/// A consumer's fetch statistics at the start and at the end of `duration`. librdkafka's
/// request counts come in a report once a second, so the window starts just after one.
public func fetchStatistics(of consumer: BrokerConsumer, over duration: Duration) async throws
    -> (before: FetchStatistics, after: FetchStatistics)
{
    try await Task.sleep(for: .milliseconds(1100))
    let before = consumer.fetchStatistics
    try await Task.sleep(for: duration)
    return (before, consumer.fetchStatistics)
}
