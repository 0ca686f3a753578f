import Broker
import ChatProtocol
import Contracts
import Foundation
import TestSupport
import ServiceKit
import XCTest

/// The `message-router` executable as the stack runs it: its own process, flags, topics.
final class MessageRouterProcessTests: XCTestCase {
    func testTheServiceRoutesInOrderDeadLettersGarbageCountsAndStopsCleanly() async throws {
        let names = try await makeTopics(["new-message", "send-message", "system-message", "new-group-message", "dead-letter"])
        let router = try await ServiceProcess.start(
            "message-router",
            arguments: [
                "--kafka-brokers", try TestStack.brokers(), "--app-name", TestStack.uniqueName("message-router"),
                "--new-message-topic", names[0], "--send-message-topic", names[1], "--system-message-topic", names[2],
                "--new-group-message-topic", names[3], "--dead-letter-topic", names[4],
            ])
        addTeardownBlock { router.kill() }
        let outputs = try RecordCollector(topics: Array(names[1...]))
        let producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)

        let ids = (0..<200).map { "m\($0)" }
        for (index, id) in ids.enumerated() {
            if index == 100 {
                try await producer.send(topic: names[0], key: "bob", value: Data("garbage".utf8), headers: [TrackId.header("bad")])
            }
            try await producer.send(
                topic: names[0], key: "bob", value: sampleMessage(id).protobufData(), headers: [TrackId.header(id)])
        }
        try await producer.send(topic: names[0], key: "bob", value: sampleMessage("receipt", .notification).protobufData())
        try await producer.send(
            topic: names[0], key: "group-7", value: sampleMessage("hello-group", .message, .group, to: "group-7").protobufData())
        await producer.close()

        let sent = try await outputs.wait(for: 200, on: names[1])
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ids)
        XCTAssertEqual(sent.map { TrackId.of($0) }, ids)
        let system = try await outputs.wait(for: 1, on: names[2])
        XCTAssertEqual(try system.map { try ChatMessage(protobuf: $0.value).id }, ["receipt"])
        let group = try await outputs.wait(for: 1, on: names[3])
        XCTAssertEqual(group.map(\.key), ["group-7"])
        let dead = try await outputs.wait(for: 1, on: names[4])
        XCTAssertEqual(dead.map { TrackId.of($0) }, ["bad"])

        try await eventually("the metrics to count every record") {
            let metrics = try await router.get("/metrics").body
            return metrics.contains(#"router_messages_routed_total{target="send-message"} 200"#)
                && metrics.contains(#"router_messages_routed_total{target="system-message"} 1"#)
                && metrics.contains(#"router_messages_routed_total{target="new-group-message"} 1"#)
                && metrics.contains(#"dead_lettered_total{topic="\#(names[0])"} 1"#)
        }
        let alive = try await router.get("/alive")
        XCTAssertEqual(alive.status, 200)
        let status = try await router.stop()
        XCTAssertEqual(status, 0, router.output)
        XCTAssertTrue(router.output.contains(#""trackId":"bad""#), "the dead-letter log line carries the record's track id")
        await outputs.close()
    }
}
