import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import TestSupport
import XCTest

/// A client as the apps are: a WebSocket through nginx, JSON (or protobuf) frames.
/// Everything received is kept in order so tests can wait for what they expect.
final class ChatClient: Sendable {
    let user: String
    private let outgoing: AsyncStream<WebSocketOutboundWriter.OutboundFrame>.Continuation
    private let state = Mutex(State())
    private let autoAck: Bool

    private struct State {
        var received: [Data] = []
        var binary: [Bool] = []
        var opened: CheckedContinuation<Void, Error>?
        var isOpen = false
        var closed = false
    }

    private init(user: String, autoAck: Bool, outgoing: AsyncStream<WebSocketOutboundWriter.OutboundFrame>.Continuation) {
        self.user = user
        self.autoAck = autoAck
        self.outgoing = outgoing
    }

    /// Two fresh users, logged in and connected through nginx: a one-to-one test's sender
    /// and recipient (`recipient.user` is whom the sender writes to).
    static func connectedPair() async throws -> (sender: ChatClient, recipient: ChatClient) {
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await connect(alice, key: aliceKey)
        let recipient = try await connect(bob, key: bobKey)
        return (sender, recipient)
    }

    /// Opens a socket, through nginx unless `url` names another endpoint; throws when the
    /// upgrade is refused (e.g. 401).
    static func connect(
        _ user: String, key: String?, format: String = "text", ack: Bool = true, autoAck: Bool = true,
        useCookies: Bool = false, url: String? = nil
    ) async throws -> ChatClient {
        let (frames, outgoing) = AsyncStream<WebSocketOutboundWriter.OutboundFrame>.makeStream()
        let client = ChatClient(user: user, autoAck: autoAck, outgoing: outgoing)
        var headers = HTTPFields()
        if let key {
            if useCookies {
                headers[.cookie] = "user=\(user); accesskey=\(key)"
            } else {
                headers[HTTPField.Name("user")!] = user
                headers[HTTPField.Name("accesskey")!] = key
            }
        }
        let url = try url ?? TestStack.webSocketURL(format: format, ack: ack)
        var logger = Logger(label: "chat-client")
        logger.logLevel = .critical
        let run = Task {
            do {
                try await WebSocketClient.connect(
                    url: url, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 24, additionalHeaders: headers),
                    logger: logger
                ) { inbound, outbound, _ in
                    client.markOpen(nil)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await frame in frames { try await outbound.write(frame) }
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            client.receive(message)
                        }
                        client.markClosed()
                        group.cancelAll()
                    }
                }
                client.markOpen(ConnectionError.closedBeforeOpening)
            } catch {
                client.markOpen(error)
            }
            client.markClosed()
        }
        _ = run
        try await withCheckedThrowingContinuation { continuation in
            client.waitForOpen(continuation)
        }
        return client
    }

    enum ConnectionError: Error { case closedBeforeOpening }

    private func waitForOpen(_ continuation: CheckedContinuation<Void, Error>) {
        let isOpen = state.withLock { state -> Bool? in
            if state.isOpen { return true }
            if state.closed { return false }
            state.opened = continuation
            return nil
        }
        switch isOpen {
        case true?: continuation.resume()
        case false?: continuation.resume(throwing: ConnectionError.closedBeforeOpening)
        case nil: break
        }
    }

    private func markOpen(_ error: Error?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Error>? in
            if error == nil { state.isOpen = true } else { state.closed = true }
            defer { state.opened = nil }
            return state.opened
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume() }
    }

    private func markClosed() {
        state.withLock { $0.closed = true }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    private func receive(_ message: WebSocketMessage) {
        let bytes: Data
        let isBinary: Bool
        switch message {
        case .text(let text): (bytes, isBinary) = (Data(text.utf8), false)
        case .binary(let buffer): (bytes, isBinary) = (Data(buffer.readableBytesView), true)
        }
        state.withLock {
            $0.received.append(bytes)
            $0.binary.append(isBinary)
        }
        if autoAck, !isBinary, let frame = Frame(bytes), frame.from != "server", let id = frame.id {
            sendJSON(["_v": 2.1, "id": id, "head": ["type": "INDIVIDUAL", "to": "server", "contentType": "CLIENT_ACK"]])
        }
    }

    func sendJSON(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        outgoing.yield(.text(String(decoding: data, as: UTF8.self)))
    }

    func sendText(_ text: String) {
        outgoing.yield(.text(text))
    }

    func sendBinary(_ bytes: Data) {
        outgoing.yield(.binary(ByteBuffer(bytes: bytes)))
    }

    /// A 2.1 message to another user.
    func sendMessage(to recipient: String, id: String, text: String, ephemeral: Bool = false, meta: [String: Any]? = nil) {
        var object: [String: Any] = [
            "_v": 2.1, "id": id,
            "head": ["type": "INDIVIDUAL", "to": recipient, "from": user, "contentType": "TEXT", "ephemeral": ephemeral, "chatid": user],
            "body": ["text": text],
        ]
        if let meta { object["meta"] = meta }
        sendJSON(object)
    }

    func close() {
        outgoing.finish()
    }

    var frames: [Frame] { state.withLock { $0.received.compactMap(Frame.init) } }
    var rawFrames: [Data] { state.withLock { $0.received } }

    /// Messages from other users (not server acks or errors).
    var messages: [Frame] { frames.filter { $0.from != "server" } }

    func waitForFrame(
        timeout: Duration = .seconds(20), _ what: String,
        where predicate: @escaping @Sendable (Frame) -> Bool
    ) async throws -> Frame {
        try await eventually(timeout: timeout, what) { self.frames.contains(where: predicate) }
        return frames.first(where: predicate)!
    }

    func waitForMessages(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [Frame] {
        try await eventually(timeout: timeout, "\(count) messages for \(user)") { self.messages.count >= count }
        return messages
    }
}

/// A received JSON frame, with the fields tests look at.
struct Frame: Sendable {
    let bytes: Data
    let id: String?
    let from: String?
    let to: String?
    let contentType: String?
    let text: String?
    let errorCode: Int?

    init?(_ bytes: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else { return nil }
        let head = object["head"] as? [String: Any] ?? [:]
        let body = object["body"] as? [String: Any] ?? [:]
        self.bytes = bytes
        id = object["id"] as? String
        from = head["from"] as? String
        to = head["to"] as? String
        contentType = head["contentType"] as? String
        text = body["text"] as? String
        errorCode = body["code"] as? Int
    }

    /// The whole frame as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:]
    }

    var isServerAck: Bool { from == "server" && contentType == "SERVER_ACK" }
    var isError: Bool { from == "server" && contentType == "ERROR" }
}
