import Broker
import ChatProtocol
import Contracts
import Foundation
import TestSupport
import ServiceKit
import XCTest

/// `RecordRouter` against the real broker: what arrives where, with which key and headers.
final class RecordRouterTests: XCTestCase {
    func testEachChannelAndTypeReachesItsTopicWithKeyAndTrackId() async throws {
        let harness = try await RouterHarness()
        let topics = harness.topics
        let outputs = try RecordCollector(topics: [topics.sendMessageTopic, topics.systemMessageTopic, topics.newGroupMessageTopic])
        let chat = sampleMessage("m1")
        let receipt = sampleMessage("m2", .notification)
        let groupChat = sampleMessage("m3", .message, .group, to: "group-7")
        let groupEvent = sampleMessage("m4", .notification, .group, to: "group-7")
        for (index, message) in [chat, receipt, groupChat, groupEvent].enumerated() {
            try await harness.submit(message, trackId: "track-\(index)")
        }

        let sent = try await outputs.wait(for: 1, on: topics.sendMessageTopic)
        let system = try await outputs.wait(for: 1, on: topics.systemMessageTopic)
        let group = try await outputs.wait(for: 2, on: topics.newGroupMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value) }, [chat])
        XCTAssertEqual(sent.map(\.key), ["bob"])
        XCTAssertEqual(sent.map { TrackId.of($0) }, ["track-0"])
        XCTAssertEqual(try system.map { try ChatMessage(protobuf: $0.value) }, [receipt])
        XCTAssertEqual(system.map { TrackId.of($0) }, ["track-1"])
        XCTAssertEqual(try group.map { try ChatMessage(protobuf: $0.value) }, [groupChat, groupEvent])
        XCTAssertEqual(group.map(\.key), ["group-7", "group-7"])
        XCTAssertEqual(group.map { TrackId.of($0) }, ["track-2", "track-3"])
        try await eventually("every record resolved") { harness.resolvedRecords.count == 4 }

        await outputs.close()
        await harness.close()
    }

    func testBadRecordsAreDeadLetteredWithTheReasonAndThePartitionGoesOn() async throws {
        let harness = try await RouterHarness()
        let topics = harness.topics
        let outputs = try RecordCollector(topics: [topics.sendMessageTopic, topics.deadLetterTopic])
        let garbage = Data("definitely not protobuf \u{1}\u{2}\u{3}".utf8)
        // Same key, so the same partition: the good message after the bad ones must still come through.
        try await harness.submit(garbage, key: "bob", trackId: "bad-bytes")
        try await harness.submit(sampleMessage("m1", to: "").protobufData(), key: "bob", trackId: "no-destination")
        try await harness.submit(sampleMessage("m2", .message, .other), trackId: "other-channel")
        try await harness.submit(sampleMessage("m3"), trackId: "good")

        let sent = try await outputs.wait(for: 1, on: topics.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ["m3"])
        let dead = try await outputs.wait(for: 3, on: topics.deadLetterTopic)
        let byTrack = Dictionary(uniqueKeysWithValues: dead.map { (TrackId.of($0), $0) })
        XCTAssertEqual(byTrack["bad-bytes"]?.value, garbage, "the original bytes are kept")
        XCTAssertEqual(byTrack["bad-bytes"]?.key, "bob")
        XCTAssertTrue(byTrack["bad-bytes"]?.headers.value(for: "dead-letter-reason")?.contains("invalid protobuf") == true)
        XCTAssertEqual(byTrack["no-destination"]?.headers.value(for: "dead-letter-reason"), "missing destination")
        XCTAssertEqual(byTrack["other-channel"]?.headers.value(for: "dead-letter-reason"), "channel OTHER is not routable")
        let source = try XCTUnwrap(byTrack["bad-bytes"]?.headers.value(for: "dead-letter-source"))
        XCTAssertTrue(source.hasPrefix(topics.newMessageTopic + "/"), source)
        try await eventually("every record resolved") { harness.resolvedRecords.count == 4 }

        await outputs.close()
        await harness.close()
    }

    func testTwoHundredMessagesOfOneConversationKeepTheirOrder() async throws {
        let harness = try await RouterHarness()
        let topics = harness.topics
        let outputs = try RecordCollector(topics: [topics.sendMessageTopic])
        let ids = (0..<200).map { "m\($0)" }
        for id in ids {
            try await harness.submit(sampleMessage(id), trackId: id)
        }
        let sent = try await outputs.wait(for: 200, on: topics.sendMessageTopic)
        XCTAssertEqual(try sent.map { try ChatMessage(protobuf: $0.value).id }, ids)
        XCTAssertEqual(sent.map { TrackId.of($0) }, ids)
        try await eventually("every record resolved") { harness.resolvedRecords.count == 200 }

        await outputs.close()
        await harness.close()
    }
}
