import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import XCTest

/// A client that stops reading its socket, against a second gateway with a small
/// `--max-pending-bytes` beside the stack's own (as RateLimitTests runs one): the gateway
/// closes the socket instead of buffering without end, and every message sent to the
/// user, before and after the close, arrives once the user reconnects and reads.
final class UnreadConnectionTests: XCTestCase {
    func testASocketThatStopsReadingIsClosedAndLosesNoMessage() async throws {
        let maxPendingBytes = 256 << 10
        let publicPort = try freePort()
        let gateway = try await ServiceProcess.start(
            "ws-gateway",
            arguments: [
                "--app-name", TestStack.uniqueName("ws-gateway-bounded"),
                "--kafka-brokers", try TestStack.brokers(), "--mongo-url", try TestStack.mongoURL(),
                "--public-port", "\(publicPort)", "--max-pending-bytes", "\(maxPendingBytes)",
            ])
        addTeardownBlock { gateway.kill() }
        let alice = TestStack.uniqueName("alice"), bob = TestStack.uniqueName("bob")
        let aliceKey = try await TestStack.login(alice), bobKey = try await TestStack.login(bob)
        let sender = try await ChatClient.connect(alice, key: aliceKey)
        defer { sender.close() }

        // bob reads until the first message shows that deliveries reach his socket, then
        // never again. His receive buffer is small, so the kernel holds little for him.
        let unread = try await UnreadSocket.connect(
            port: publicPort, path: "/wss/?format=text&ack=true", headers: ["user": bob, "accesskey": bobKey])
        defer { unread.close() }
        var sent: [String] = []
        while !unread.receivedFrame {
            guard sent.count < 100 else { return XCTFail("no message reached bob's socket") }
            let id = "probe-\(sent.count)"
            sent.append(id)
            sender.sendMessage(to: bob, id: id, text: "probe")
            try await Task.sleep(for: .milliseconds(300))
        }
        try await unread.stopReading()

        // Large messages until the gateway gives up on the socket: the kernel's buffers on
        // both sides take a few MiB first, then the gateway's own reach the bound.
        let text = String(repeating: "x", count: 32 << 10)
        var closed = false
        while !closed, sent.count < 2_000 {
            for _ in 0..<50 {
                let id = "before-close-\(sent.count)"
                sent.append(id)
                sender.sendMessage(to: bob, id: id, text: text)
            }
            let sentSoFar = sent
            try await eventually(timeout: .seconds(60), "alice's messages accepted") {
                Set(sender.frames.filter(\.isServerAck).compactMap(\.id)).isSuperset(of: sentSoFar)
            }
            for _ in 0..<20 where !closed {
                try await Task.sleep(for: .milliseconds(250))
                closed = try await Self.metric("gateway_unread_connections_closed_total", of: gateway) >= 1
            }
        }
        XCTAssertTrue(closed, "the gateway closed the socket after \(sent.count) messages of 32 KiB")
        try await eventually("the gateway forgot the socket") {
            try await Self.metric("gateway_open_connections", of: gateway) == 0
        }
        XCTAssertTrue(gateway.output.contains("closing a socket that stopped reading"), "the close is logged")

        // Sent after the close: no connection, so they go to storage.
        for index in 0..<20 {
            let id = "after-close-\(index)"
            sent.append(id)
            sender.sendMessage(to: bob, id: id, text: "after the close")
        }
        let allSent = sent
        try await eventually(timeout: .seconds(30), "alice's later messages accepted") {
            Set(sender.frames.filter(\.isServerAck).compactMap(\.id)).isSuperset(of: allSent)
        }

        // bob comes back and reads: everything arrives, whatever the gateway had written,
        // buffered or dropped (at least once: repeats share an id).
        let reader = try await ChatClient.connect(bob, key: bobKey)
        defer { reader.close() }
        let expected = Set(sent)
        try await eventually(timeout: .seconds(90), "bob receives all \(expected.count) messages") {
            Set(reader.messages.compactMap(\.id)).isSuperset(of: expected)
        }
        XCTAssertTrue(gateway.isRunning, "the bounded gateway is still up")
    }

    private static func metric(_ name: String, of gateway: ServiceProcess) async throws -> Double {
        let text = try await gateway.get("/metrics").body
        return text.split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}

/// A WebSocket client that can stop reading: after `stopReading()` the socket takes
/// nothing more from the kernel, whose small receive buffer then fills, and the server's
/// writes back up.
private final class UnreadSocket: Sendable {
    private let channel: any Channel
    private let reader: Reader

    private init(channel: any Channel, reader: Reader) {
        self.channel = channel
        self.reader = reader
    }

    static func connect(port: Int, path: String, headers: [String: String]) async throws -> UnreadSocket {
        let reader = Reader()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dmFydGFsYXAtdW5yZWFkLTE=\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: request + "\r\n"))
        let socket = UnreadSocket(channel: channel, reader: reader)
        try await eventually(timeout: .seconds(15), "the upgrade answer") { reader.status != nil }
        guard reader.status == 101 else {
            socket.close()
            throw Refused(status: reader.status ?? 0)
        }
        return socket
    }

    /// Bytes arrived after the upgrade answer: the server wrote a frame.
    var receivedFrame: Bool { reader.bytesAfterHandshake > 0 }

    func stopReading() async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: false).get()
    }

    struct Refused: Error {
        let status: Int
    }

    func close() {
        channel.close(promise: nil)
    }

    private final class Reader: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let state = Mutex<(head: [UInt8], status: Int?, after: Int)>(([], nil, 0))

        var status: Int? { state.withLock { $0.status } }
        var bytesAfterHandshake: Int { state.withLock { $0.after } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            state.withLock { state in
                guard state.status == nil else { return state.after += bytes.count }
                state.head += bytes
                let head = state.head
                guard let end = head.indices.dropLast(3).first(where: { Array(head[$0..<($0 + 4)]) == [13, 10, 13, 10] }) else {
                    return
                }
                let statusLine = String(decoding: head[..<end], as: UTF8.self)
                state.status = statusLine.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
                state.after = head.count - (end + 4)
            }
        }
    }
}
