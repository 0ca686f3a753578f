import Broker

/// Creates fresh topics for one test, so tests never see each other's records.
public func makeTopics(_ prefixes: [String], partitions: Int = 4) async throws -> [String] {
    let names = prefixes.map(TestStack.uniqueName)
    try await TopicAdmin(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        .createTopics(names.map { TopicSpec(name: $0, partitions: partitions) })
    return names
}

/// One fresh topic, for tests of the broker client itself.
public func makeTopic(partitions: Int) async throws -> String {
    try await makeTopics(["test-topic"], partitions: partitions)[0]
}
