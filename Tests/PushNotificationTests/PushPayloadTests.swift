import ChatProtocol
import Foundation
import XCTest

@testable import PushNotification

/// The data payload: the device's format, bursts as arrays, and FCM's 4 KB limit.
final class PushPayloadTests: XCTestCase {
    private func message(_ id: String, text: String = "hello", from source: String = "alice") -> ChatMessage {
        ChatMessage(
            id: id, type: .message, channel: .individual, source: source, destination: "bob",
            content: Data(#"{"text":"\#(text)"}"#.utf8), timestamp: 1_700_000_000_000, meta: ["chatid": source],
            serverId: "s-\(id)", serverTimestamp: 1_700_000_000_100)
    }

    private func json(_ string: String?) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(string).utf8))
    }

    func testOneMessageIsTheFrameTheDeviceReadsFromItsSocket() throws {
        let single = message("m1")
        let data = PushPayload.data(for: [single], messageVersion: 2.1)
        XCTAssertEqual(data["message"], String(decoding: single.outboundJSON(), as: UTF8.self))
        XCTAssertEqual(data["count"], "1")
        XCTAssertNil(data["truncated"])
    }

    func testABurstIsAJSONArrayInOrder() throws {
        let data = PushPayload.data(for: [message("m1"), message("m2"), message("m3")], messageVersion: 1.0)
        let frames = try XCTUnwrap(try json(data["message"]) as? [[String: Any]])
        XCTAssertEqual(frames.map { $0["id"] as? String }, ["m1", "m2", "m3"])
        XCTAssertEqual(frames.map { $0["text"] as? String }, ["hello", "hello", "hello"], "version 1 fields are there too")
        XCTAssertEqual(data["count"], "3")
    }

    func testBinaryDevicesGetBase64Protobuf() throws {
        let first = message("m1")
        let single = PushPayload.data(for: [first], messageVersion: 3)
        XCTAssertEqual(try ChatMessage(protobuf: try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(single["message"])))), first)
        let burst = PushPayload.data(for: [first, message("m2")], messageVersion: 3)
        let encoded = try XCTUnwrap(try json(burst["message"]) as? [String])
        XCTAssertEqual(try encoded.map { try ChatMessage(protobuf: try XCTUnwrap(Data(base64Encoded: $0))).id }, ["m1", "m2"])
    }

    func testATooLargeBodyIsDroppedWithAMarker() throws {
        let large = message("big", text: String(repeating: "x", count: 5000))
        let data = PushPayload.data(for: [large], messageVersion: 2.1)
        XCTAssertLessThanOrEqual(PushPayload.size(of: data), PushPayload.maxDataBytes)
        XCTAssertEqual(data["truncated"], "true")
        let frame = try XCTUnwrap(try json(data["message"]) as? [String: Any])
        XCTAssertEqual(frame["id"] as? String, "big")
        XCTAssertEqual(frame["from"] as? String, "alice")
        XCTAssertEqual(frame["body"] as? [String: String], [:])
        XCTAssertNil(frame["text"])
    }

    func testALongBurstKeepsTheNewestMessagesThatFit() throws {
        let burst = (1...60).map { message("m\($0)", text: String(repeating: "y", count: 200)) }
        let data = PushPayload.data(for: burst, messageVersion: 2.1)
        XCTAssertLessThanOrEqual(PushPayload.size(of: data), PushPayload.maxDataBytes)
        XCTAssertEqual(data["count"], "60")
        XCTAssertEqual(data["truncated"], "true")
        let ids = try XCTUnwrap(try json(data["message"]) as? [[String: Any]]).compactMap { $0["id"] as? String }
        XCTAssertFalse(ids.isEmpty)
        XCTAssertLessThan(ids.count, 60)
        XCTAssertEqual(ids.last, "m60", "the newest message is kept")
        XCTAssertEqual(ids, (61 - ids.count...60).map { "m\($0)" }, "a contiguous run of the newest")
    }

    private func attachmentMessage(_ id: String, caption: String = "") -> ChatMessage {
        var photo = message(id)
        photo.meta["contentType"] = "IMAGE"
        photo.content = Data(
            #"{"contentType":"image/jpeg","fileId":"0123456789abcdef0123456789abcdef","name":"cat.jpg","size":52133,"text":"\#(caption)"}"#.utf8)
        return photo
    }

    func testAnAttachmentIsNamedEvenWhenItsBodyDidNotFit() throws {
        let single = PushPayload.data(for: [attachmentMessage("p1")], messageVersion: 2.1)
        XCTAssertEqual(single["attachments"], "1")
        XCTAssertEqual(single["fileId"], "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(single["mediaType"], "image/jpeg")
        XCTAssertNil(single["truncated"])

        let longCaption = PushPayload.data(for: [attachmentMessage("p2", caption: String(repeating: "c", count: 5000))], messageVersion: 2.1)
        XCTAssertEqual(longCaption["truncated"], "true")
        XCTAssertEqual(longCaption["attachments"], "1", "said from the full message, not the truncated one")
        XCTAssertEqual(longCaption["fileId"], "0123456789abcdef0123456789abcdef")
        XCTAssertLessThanOrEqual(PushPayload.size(of: longCaption), PushPayload.maxDataBytes)
    }

    func testABurstCountsItsAttachmentsAndTextAloneHasNone() throws {
        let burst = PushPayload.data(for: [message("t1"), attachmentMessage("p1"), attachmentMessage("p2")], messageVersion: 3)
        XCTAssertEqual(burst["attachments"], "2")
        XCTAssertNil(burst["fileId"], "a burst names no single file")
        let text = PushPayload.data(for: [message("t1"), message("t2")], messageVersion: 2.1)
        XCTAssertNil(text["attachments"])
        XCTAssertNil(text["fileId"])
    }
}
