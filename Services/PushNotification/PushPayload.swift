import ChatProtocol
import Foundation

/// The data payload of one push: the messages it stands for, in the format the device
/// asked for at login, within FCM's 4 KB limit for data.
///
/// Keys (all values are strings, as FCM requires):
/// - `message`: one message as the device reads it from its socket (JSON 2.1/1 frame for
///   message versions below 3, else base64 protobuf), or a JSON array of them for a burst;
///   the app accepts both.
/// - `count`: how many messages the push stands for.
/// - `truncated`: "true" when bodies were dropped (or older messages of a burst left out)
///   to fit; the app then reads the full messages from `GET /messages` or its socket.
/// - `attachments`: how many of those messages carry a file (absent when none), so the app
///   can say "Photo" even when the bodies did not fit; with one message, `fileId` and
///   `mediaType` (when known) name it.
enum PushPayload {
    /// FCM refuses data payloads (keys and values) above 4096 bytes.
    static let maxDataBytes = 4096
    /// From this envelope version on a device reads protobuf, as the original server did.
    static let firstBinaryVersion: Float = 3

    static func data(for messages: [ChatMessage], messageVersion: Float) -> [String: String] {
        let binary = messageVersion >= firstBinaryVersion
        let files = attachmentKeys(of: messages)
        let full = payload(messages, total: messages.count, binary: binary, truncated: false, files: files)
        if fits(full) { return full }
        let withoutBodies = messages.map(\.withoutBody)
        let heads = payload(withoutBodies, total: messages.count, binary: binary, truncated: true, files: files)
        if fits(heads) { return heads }
        // Still too large (a long burst, or huge heads): the newest heads that fit.
        var kept: [ChatMessage] = []
        for message in withoutBodies.reversed() {
            let candidate = payload([message] + kept, total: messages.count, binary: binary, truncated: true, files: files)
            guard fits(candidate) else { break }
            kept.insert(message, at: 0)
        }
        return payload(kept, total: messages.count, binary: binary, truncated: true, files: files)
    }

    static func size(of data: [String: String]) -> Int {
        data.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    private static func fits(_ data: [String: String]) -> Bool {
        size(of: data) <= maxDataBytes
    }

    private static func payload(
        _ messages: [ChatMessage], total: Int, binary: Bool, truncated: Bool, files: [String: String]
    ) -> [String: String] {
        var data = files
        data["count"] = String(total)
        if truncated { data["truncated"] = "true" }
        let encoded = messages.map { message -> String in
            binary ? message.protobufData().base64EncodedString() : String(decoding: message.outboundJSON(), as: UTF8.self)
        }
        switch encoded.count {
        case 0: break
        case 1: data["message"] = encoded[0]
        default:
            // Frames are JSON already; base64 strings need quotes to be array elements.
            data["message"] = "[" + encoded.map { binary ? "\"\($0)\"" : $0 }.joined(separator: ",") + "]"
        }
        return data
    }

    /// Read from the full messages, before bodies are dropped, so a truncated push still
    /// says what it stands for.
    private static func attachmentKeys(of messages: [ChatMessage]) -> [String: String] {
        let attachments = messages.compactMap(\.attachment)
        guard !attachments.isEmpty else { return [:] }
        var keys = ["attachments": String(attachments.count)]
        if messages.count == 1, let only = attachments.first {
            keys["fileId"] = only.fileId
            if let mediaType = only.mediaType { keys["mediaType"] = mediaType }
        }
        return keys
    }
}

extension ChatMessage {
    /// The message with its body dropped: who sent what kind of message, and its id.
    fileprivate var withoutBody: ChatMessage {
        var copy = self
        copy.content = Data()
        return copy
    }
}
