import Broker
import Foundation
import Logging
import Synchronization
import TestSupport
import XCTest

/// The broker the test run started (Deployment/local/stack test sets it).
func testBrokerConfiguration(file: StaticString = #filePath, line: UInt = #line) throws -> BrokerConfiguration {
    guard let brokers = ProcessInfo.processInfo.environment["VARTALAP_TEST_BROKERS"], !brokers.isEmpty else {
        XCTFail("VARTALAP_TEST_BROKERS is not set: run the tests with Deployment/local/stack test", file: file, line: line)
        throw TestSetupError.missingEnvironment
    }
    return BrokerConfiguration(bootstrapServers: brokers, clientId: "broker-tests")
}

enum TestSetupError: Error { case missingEnvironment }

let testLogger: Logger = {
    var logger = Logger(label: "broker-tests")
    logger.logLevel = .warning
    return logger
}()

func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Drains a consumer's messages in the background so tests can wait on what arrived.
final class MessageCollector: Sendable {
    private final class Store: Sendable {
        let received = Mutex<[ConsumedMessage]>([])
    }

    private let store = Store()

    init(_ consumer: BrokerConsumer, resolveEach: Bool) {
        let store = self.store
        Task {
            for await message in consumer.messages {
                store.received.withLock { $0.append(message) }
                if resolveEach { consumer.resolve(message) }
            }
        }
    }

    var messages: [ConsumedMessage] { store.received.withLock { $0 } }
    var count: Int { store.received.withLock { $0.count } }

    func waitForCount(_ count: Int) async throws -> [ConsumedMessage] {
        try await eventually("\(count) messages") { self.count >= count }
        return messages
    }
}

/// Creates a topic with `partitions` partitions and a producer for it.
func makeTopic(partitions: Int, configuration: BrokerConfiguration) async throws -> String {
    let topic = uniqueName("test-topic")
    try await TopicAdmin(configuration: configuration, logger: testLogger)
        .createTopics([TopicSpec(name: topic, partitions: partitions)])
    return topic
}
