import ChatProtocol
@testable import Gateway
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import XCTest

/// The frame handler on a test channel: what it answers on the socket and what it hands
/// on to the gateway, in order.
final class WebSocketFrameHandlerTests: XCTestCase {
    func testTextPingIsAnsweredWithPongAndNotHandedOn() async throws {
        let socket = try await TestSocket()
        try await socket.send(.text, "ping")
        let answer = try await socket.nextFrame()
        XCTAssertEqual(answer.opcode, .text)
        XCTAssertEqual(String(buffer: answer.data), "pong")
        try await socket.send(.text, "after")
        try await socket.waitForEvents(["opened", "message after"])
    }

    func testFragmentsAreJoinedAndControlFramesBetweenThemAnswered() async throws {
        let socket = try await TestSocket()
        try await socket.send(.text, "hel", fin: false)
        try await socket.send(.ping, "are you there")
        try await socket.send(.continuation, "lo ", fin: false)
        try await socket.send(.continuation, "world")
        let pong = try await socket.nextFrame()
        XCTAssertEqual(pong.opcode, .pong)
        XCTAssertEqual(String(buffer: pong.data), "are you there")
        try await socket.waitForEvents(["opened", "message hello world"])
    }

    func testInvalidUTF8InATextMessageClosesWith1007AndIsNeverHandedOn() async throws {
        let socket = try await TestSocket()
        try await socket.send(.text, "before")
        try await socket.send(.text, bytes: Array("caf".utf8) + [0xC3, 0x28, 0xFF])
        let close = try await socket.nextFrame()
        XCTAssertEqual(close.opcode, .connectionClose)
        XCTAssertEqual(close.closeCode, .dataInconsistentWithMessage)
        try await socket.send(.text, "after the close")  // ignored: the socket is closing
        try await socket.send(.connectionClose, bytes: [0x03, 0xE8])
        try await socket.waitUntilClosed()
        try await socket.waitForEvents(["opened", "message before", "closed"])
    }

    func testAMessageOverTheLimitAcrossFragmentsClosesWith1009() async throws {
        let socket = try await TestSocket(maxMessageBytes: 10)
        try await socket.send(.binary, "123456", fin: false)
        try await socket.send(.continuation, "789012")
        let close = try await socket.nextFrame()
        XCTAssertEqual(close.closeCode, .messageTooLarge)
        // Without the client's close frame, the socket is closed after the close timeout.
        await socket.channel.testingEventLoop.advanceTime(by: .seconds(11))
        try await socket.waitUntilClosed()
        try await socket.waitForEvents(["opened", "closed"])
    }

    func testMessagesOverTheRateAreRefusedInOrder() async throws {
        let socket = try await TestSocket(rate: 1, burst: 2)
        for text in ["one", "two", "three"] { try await socket.send(.text, text) }
        try await socket.waitForEvents(["opened", "message one", "message two", "rate limited three"])
    }

    func testTwoSocketsOfOneUserShareItsBudgetAndAnotherUsersSocketHasItsOwn() async throws {
        let limits = UserRateLimits(rate: 1, burst: 3)
        let phone = try await TestSocket(user: "alice", rateLimits: limits)
        let laptop = try await TestSocket(user: "alice", rateLimits: limits)
        let other = try await TestSocket(user: "bob", rateLimits: limits)
        try await phone.send(.text, "one")
        try await laptop.send(.text, "two")
        try await phone.send(.text, "three")
        try await laptop.send(.text, "four")
        try await phone.send(.text, "five")
        for text in ["one", "two", "three"] { try await other.send(.text, text) }
        try await phone.waitForEvents(["opened", "message one", "message three", "rate limited five"])
        try await laptop.waitForEvents(["opened", "message two", "rate limited four"])
        try await other.waitForEvents(["opened", "message one", "message two", "message three"])
    }

    /// A delivery is written once the socket took it in, even if the kernel never takes it:
    /// a client that stops reading holds up no internal `/send` call.
    func testADeliveryIsWrittenOnceTheSocketTookItIn() async throws {
        let socket = try await TestSocket(kernelTakesWrites: false)
        let message = ChatMessage.errorFrame(id: "m1", to: "alice", code: 400, reason: "test")
        let written = await reachedSocket(socket.connection, message)
        XCTAssertTrue(written)
    }

    /// Past its high water mark (`maxPendingBytes`) a socket's channel turns unwritable:
    /// the client stopped reading, and the socket is closed at once, without a close
    /// frame; deliveries then report not written.
    func testASocketThatStopsReadingIsClosedWhenItsChannelTurnsUnwritable() async throws {
        let socket = try await TestSocket()
        socket.channel.isWritable = false
        socket.channel.pipeline.fireChannelWritabilityChanged()
        try await socket.waitUntilClosed()
        try await socket.waitForEvents(["opened", "closed"])
        let message = ChatMessage.errorFrame(id: "m1", to: "alice", code: 400, reason: "test")
        let written = await reachedSocket(socket.connection, message)
        XCTAssertFalse(written)
        let frame = try await socket.channel.readOutbound(as: WebSocketFrame.self)
        XCTAssertNil(frame, "no close frame for a client that does not read")
    }

    func testMessagesAreTakenInAtOnceOnlyWhenNothingOfTheSocketsWaitsBeforeThem() async throws {
        let opening = Gate()
        let socket = try await TestSocket(rate: 100, burst: 100, takesAtOnce: true, opening: opening)
        // While the socket's opening runs, a message queues behind it.
        try await socket.send(.text, "one")
        opening.open()
        try await socket.waitForEvents(["opened", "message one"])
        // Once the queue is done, messages are taken in at once, in order.
        var expected = ["opened", "message one"]
        var tries = 0
        while !expected.contains(where: { $0.hasSuffix("at once") }), tries < 50 {
            tries += 1
            try await socket.send(.text, "m\(tries)")
            for _ in 0..<200 where socket.events.list.count < expected.count + 1 {
                try await Task.sleep(for: .milliseconds(5))
            }
            expected = socket.events.list
            XCTAssertTrue(expected.last?.hasPrefix("message m\(tries)") ?? false, "\(expected)")
        }
        XCTAssertTrue(expected.contains("message m\(tries) at once"), "\(expected)")
    }

    func testADeliveryReportsWhetherItWasWritten() async throws {
        let socket = try await TestSocket()
        let message = ChatMessage.errorFrame(id: "m1", to: "alice", code: 400, reason: "test")
        let open = await reachedSocket(socket.connection, message)
        XCTAssertTrue(open)
        let written = try await socket.nextFrame()
        XCTAssertEqual(written.opcode, .text)

        try await socket.send(.connectionClose, bytes: [0x03, 0xE8])
        let answer = try await socket.nextFrame()
        XCTAssertEqual(answer.closeCode, .normalClosure)
        try await socket.waitUntilClosed()
        let closed = await reachedSocket(socket.connection, message)
        XCTAssertFalse(closed)
        try await socket.waitForEvents(["opened", "closed"])
    }

    func testASocketThatStopsAnsweringPingsIsClosed() async throws {
        let socket = try await TestSocket()
        await socket.channel.testingEventLoop.advanceTime(by: .seconds(30))
        let ping = try await socket.nextFrame()
        XCTAssertEqual(ping.opcode, .ping)
        await socket.channel.testingEventLoop.advanceTime(by: .seconds(30))
        let close = try await socket.nextFrame()
        XCTAssertEqual(close.closeCode, .goingAway)
    }
}

/// A test channel with one frame handler and a record of what it handed on.
private struct TestSocket {
    let channel = NIOAsyncTestingChannel()
    let connection: ClientConnection
    let events: Events

    /// `rateLimits`: pass one to several sockets to share it, as the gateway does.
    /// `kernelTakesWrites: false` puts a handler before the frame handler that keeps every
    /// write, as a socket whose client stopped reading does.
    init(
        user: String = "alice", maxMessageBytes: Int = 1 << 16, rate: Int = 100, burst: Int = 100,
        rateLimits: UserRateLimits? = nil, kernelTakesWrites: Bool = true, takesAtOnce: Bool = false, opening: Gate? = nil
    ) async throws {
        connection = ClientConnection(user: user, format: .text, wantsServerAcks: false)
        events = Events(takesAtOnce: takesAtOnce, opening: opening)
        let settings = WebSocketFrameHandler.Settings(
            maxMessageBytes: maxMessageBytes, rateLimits: rateLimits ?? UserRateLimits(rate: rate, burst: burst))
        let (channel, connection, actions) = (channel, connection, events.actions)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8103))
        try await channel.testingEventLoop.executeInContext {
            if !kernelTakesWrites { try channel.pipeline.syncOperations.addHandler(StalledSocket()) }
            let handler = WebSocketFrameHandler(
                connection: connection, settings: settings, actions: actions, logger: Logger(label: "test"))
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    func send(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) async throws {
        try await send(opcode, bytes: Array(text.utf8), fin: fin)
    }

    /// Clients mask their frames (RFC 6455).
    func send(_ opcode: WebSocketOpcode, bytes: [UInt8], fin: Bool = true) async throws {
        let mask: WebSocketMaskingKey = [0x12, 0x34, 0x56, 0x78]
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(mask)
        try await channel.writeInbound(WebSocketFrame(fin: fin, opcode: opcode, maskKey: mask, data: data))
    }

    func nextFrame() async throws -> WebSocketFrame {
        try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
    }

    func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    /// The handler's actions run as tasks: wait a while for them to catch up.
    func waitForEvents(_ expected: [String], file: StaticString = #filePath, line: UInt = #line) async throws {
        for _ in 0..<200 where events.list != expected {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(events.list, expected, file: file, line: line)
    }
}

/// Keeps every write and never passes it on: the kernel of a socket whose client stopped
/// reading.
private final class StalledSocket: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = Any

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        XCTAssertNil(promise, "the frame handler waits for no write")
    }
}

private final class Events: Sendable {
    private let recorded = Mutex<[String]>([])
    /// Whether messages are taken in at once (on the loop) or left for the queued path.
    let takesAtOnce: Bool
    let opening: Gate?

    init(takesAtOnce: Bool = false, opening: Gate? = nil) {
        self.takesAtOnce = takesAtOnce
        self.opening = opening
    }

    var list: [String] { recorded.withLock { $0 } }

    var actions: SocketActions {
        SocketActions(
            opened: { _ in
                await self.opening?.wait()
                self.append("opened")
            },
            receivedAtOnce: { bytes, _ in
                guard self.takesAtOnce else { return false }
                self.append("message \(String(decoding: bytes, as: UTF8.self)) at once")
                return true
            },
            received: { bytes, _ in self.append("message \(String(decoding: bytes, as: UTF8.self))") },
            rateLimited: { bytes, _ in self.append("rate limited \(String(decoding: bytes, as: UTF8.self))") },
            closed: { _ in self.append("closed") })
    }

    private func append(_ event: String) {
        recorded.withLock { $0.append(event) }
    }
}

/// Holds a task until the test opens it.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

extension WebSocketFrame {
    fileprivate var closeCode: WebSocketErrorCode? {
        var data = unmaskedData
        return data.readWebSocketErrorCode()
    }
}
