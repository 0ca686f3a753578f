import Auth
import Broker
import ChatProtocol
import Contracts
import DocumentStore
import Foundation
import TestSupport
import ServiceKit
import XCTest

/// The `persistence` executable as the stack runs it: its own process, flags, topics and
/// database.
final class PersistenceProcessTests: XCTestCase {
    func testTheServiceStoresListsRedeliversAndStopsCleanly() async throws {
        let names = try await makeTopics(["offline-message", "user-connection-state", "send-message", "dead-letter"])
        let databaseName = TestStack.uniqueName("persistence-process")
        let database = try DocumentStore(uri: try TestStack.mongoURL())
        let keys = AccessKeyStore(store: database, database: databaseName)
        try await keys.createIndexes()
        let key = try await keys.issue(user: "bob", device: "phone", lifetime: .seconds(3600))
        let service = try await ServiceProcess.start(
            "persistence",
            arguments: [
                "--kafka-brokers", try TestStack.brokers(), "--app-name", TestStack.uniqueName("persistence"),
                "--mongo-url", try TestStack.mongoURL(), "--mongo-database", databaseName,
                "--offline-message-topic", names[0], "--user-connection-state-topic", names[1],
                "--send-message-topic", names[2], "--dead-letter-topic", names[3], "--offline-retention-days", "7",
            ])
        addTeardownBlock { service.kill() }
        let outputs = try RecordCollector(topics: [names[2], names[3]])
        let producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)

        let records: [(Data, String?)] = [
            (offlineMessage("second", at: 200).protobufData(), "bob"),
            (offlineMessage("first", at: 100).protobufData(), "bob"),
            (offlineMessage("first", at: 100).protobufData(), "bob"),
            (offlineMessage("typing", at: 150, ephemeral: true).protobufData(), "bob"),
            (Data("garbage".utf8), "bob"),
            (offlineMessage("acked", at: 120).protobufData(), "bob"),
            (acknowledgement(of: "acked", by: "bob").protobufData(), "bob"),
        ]
        for (value, key) in records {
            try await producer.send(topic: names[0], key: key, value: value, headers: [TrackId.header("t")])
        }
        let credentials = [("user", "bob"), ("accesskey", key)]
        try await eventually("the stored messages to be listed oldest first") {
            let response = try await service.get("/messages", headers: credentials)
            let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            let listed = (body?["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            return listed == ["first", "second"]
        }
        let unauthenticated = try await service.get("/messages")
        XCTAssertEqual(unauthenticated.status, 401)

        let connected = ConnectionState(
            user: "bob", state: .connected, gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1", connectionId: "c1", timestamp: 1)
        _ = try await producer.enqueue(connected, topic: names[1], trackId: "connect").stored()
        let sent = try await outputs.wait(for: 2, on: names[2])
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["first", "second"], service.output)
        XCTAssertEqual(sent.map { $0.headers.value(for: RecordHeaders.storedCopy) }, ["true", "true"])
        let dead = try await outputs.wait(for: 1, on: names[3])
        XCTAssertEqual(dead.map(\.value), [Data("garbage".utf8)], service.output)

        try await eventually("the metrics to count the work") {
            let metrics = try await service.get("/metrics").body
            return metrics.contains("persistence_messages_redelivered_total 2")
                && metrics.contains(#"dead_lettered_total{topic="\#(names[0])"} 1"#)
                && metrics.contains("persistence_ephemeral_ignored_total 1")
        }
        let status = try await service.stop()
        XCTAssertEqual(status, 0, service.output)
        let collection = database.collection("offline_messages", in: databaseName)
        let stored = try await collection.count()
        XCTAssertEqual(stored, 2, "redelivered messages stay until acked")
        await producer.close()
        await outputs.close()
        await database.close()
    }
    /// A restarted persistence knows who connected before it from session-ms's connection
    /// directory: a message stored for such a user goes straight back out, without waiting
    /// for the user's next CONNECTED.
    func testAStartingServiceTakesWhoIsConnectedFromTheConnectionDirectory() async throws {
        let names = try await makeTopics(["offline-message", "user-connection-state", "send-message", "dead-letter"], partitions: 1)
        let databaseName = TestStack.uniqueName("persistence-directory")
        let database = try DocumentStore(uri: try TestStack.mongoURL())
        try await database.collection(ConnectionDirectoryEntry.collectionName, in: databaseName).insertOne(
            ConnectionDirectoryEntry(
                connectionId: "c1", user: "bob", gateway: "gw-1", gatewayInternalURL: "http://127.0.0.1:1", since: 1_000))
        let service = try await ServiceProcess.start(
            "persistence",
            arguments: [
                "--kafka-brokers", try TestStack.brokers(), "--app-name", TestStack.uniqueName("persistence"),
                "--mongo-url", try TestStack.mongoURL(), "--mongo-database", databaseName,
                "--offline-message-topic", names[0], "--user-connection-state-topic", names[1],
                "--send-message-topic", names[2], "--dead-letter-topic", names[3],
            ])
        addTeardownBlock { service.kill() }
        let outputs = try RecordCollector(topics: [names[2]])
        let producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        for message in [offlineMessage("for-carol", to: "carol", at: 100), offlineMessage("for-bob", at: 200)] {
            try await producer.send(
                topic: names[0], key: message.destination, value: message.protobufData(), headers: [TrackId.header("t")])
        }

        // One partition throughout: a copy for carol would come first.
        let sent = try await outputs.wait(for: 1, on: names[2])
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["for-bob"], "carol is not connected")
        XCTAssertEqual(sent.first?.headers.value(for: RecordHeaders.recipientConnectedAt), "1000")
        let status = try await service.stop()
        XCTAssertEqual(status, 0, service.output)
        XCTAssertTrue(service.output.contains("connections read from the connection directory"), service.output)
        await producer.close()
        await outputs.close()
        await database.close()
    }
}
