import CRdKafka
import Foundation
import Logging

/// A topic to create, with its partition count (auto-created topics get only one).
public struct TopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int

    public init(name: String, partitions: Int, replicationFactor: Int = 1) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

/// Creates topics and reads their metadata.
public struct TopicAdmin: Sendable {
    private let configuration: BrokerConfiguration
    private let logger: Logger

    public init(configuration: BrokerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates the topics that do not exist yet; existing ones are left as they are,
    /// so running it again is harmless.
    public func createTopics(_ topics: [TopicSpec], timeout: Duration = .seconds(15)) async throws {
        let configuration = self.configuration
        let logger = self.logger
        try await BlockingThread.run(name: "broker-admin") {
            try withAdminHandle(configuration, logger) { rk in
                try Self.create(topics, on: rk, timeoutMilliseconds: timeout.timeoutMilliseconds)
            }
        }
    }

    /// The number of partitions of a topic, or nil if it does not exist.
    public func partitionCount(of topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let configuration = self.configuration
        let logger = self.logger
        return try await BlockingThread.run(name: "broker-admin") {
            try withAdminHandle(configuration, logger) { rk in
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let topicHandle = rd_kafka_topic_new(rk, topic, nil)
                defer { rd_kafka_topic_destroy(topicHandle) }
                let result = rd_kafka_metadata(rk, 0, topicHandle, &metadata, timeout.timeoutMilliseconds)
                guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                    throw BrokerError(.admin, "metadata: \(errorText(result))", code: result.rawValue)
                }
                defer { rd_kafka_metadata_destroy(metadata) }
                guard metadata.pointee.topic_cnt > 0 else { return nil }
                let entry = metadata.pointee.topics[0]
                return entry.err == RD_KAFKA_RESP_ERR_NO_ERROR ? Int(entry.partition_cnt) : nil
            }
        }
    }

    private static func create(_ topics: [TopicSpec], on rk: OpaquePointer, timeoutMilliseconds: Int32) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorText, errorText.count) else {
                throw BrokerError(.admin, "topic \(topic.name): \(cText(errorText))")
            }
            newTopics.append(newTopic)
        }
        try adminRequest(on: rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topics", timeoutMilliseconds: timeoutMilliseconds) { rk, options, queue in
            // How long the broker may take to create them, beside the request's own timeout.
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(rk, buffer.baseAddress, buffer.count, options, queue)
            }
        } read: { event in
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                throw BrokerError(.admin, "unexpected admin event")
            }
            try Self.throwFirstFailure(in: result)
        }
    }

    /// Throws for the first topic librdkafka reports as not created (one that exists
    /// already counts as created).
    private static func throwFirstFailure(in result: OpaquePointer) throws {
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let code = rd_kafka_topic_result_error(topicResult)
            if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let reason = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? "unknown"
            throw BrokerError(.admin, "topic \(name): \(reason)", code: code.rawValue)
        }
    }
}

/// Admin calls need a client handle; a short-lived one serves these.
private func withAdminHandle<T>(_ configuration: BrokerConfiguration, _ logger: Logger, _ body: (OpaquePointer) throws -> T) throws -> T {
    let client = try makeAdminClient(configuration, logger)
    defer {
        rd_kafka_destroy(client.handle)
        withExtendedLifetime(client.context) {}
    }
    return try body(client.handle)
}
