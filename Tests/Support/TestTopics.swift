import Broker

/// Creates fresh topics for one test, so tests never see each other's records.
public func makeTopics(_ prefixes: [String], partitions: Int = 4) async throws -> [String] {
    let names = prefixes.map(TestEnvironment.uniqueName)
    try await TopicAdmin(configuration: try TestEnvironment.brokerConfiguration(), logger: TestEnvironment.logger)
        .createTopics(names.map { TopicSpec(name: $0, partitions: partitions) })
    return names
}
