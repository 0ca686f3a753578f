import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A WebSocket spoken byte by byte, for input no well-behaved client library will send:
/// text frames that are not UTF-8, arbitrary opcodes, huge frames. It records every frame
/// the server sends and the close code, if any.
final class RawWebSocket: Sendable {
    struct ReceivedFrame: Sendable {
        let opcode: UInt8
        let payload: [UInt8]
    }

    private let channel: Channel
    private let parser: Parser

    private init(channel: Channel, parser: Parser) {
        self.channel = channel
        self.parser = parser
    }

    /// Connects to `url` (ws://host:port/path?query), sends the upgrade request with `headers`
    /// and waits for the answer's status line. Throws unless the server switches protocols.
    static func connect(_ url: String, headers: [String: String]) async throws -> RawWebSocket {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw RawWebSocketError.badURL(url)
        }
        let parser = Parser()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(parser: parser)) }
            }
            .connect(host: host, port: port).get()
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        var request = "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())\r\n"
        request += "Sec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let socket = RawWebSocket(channel: channel, parser: parser)
        let status = try await socket.handshakeStatus()
        guard status == 101 else {
            try? await channel.close()
            throw RawWebSocketError.refused(status)
        }
        return socket
    }

    /// Sends one frame, masked as a client must. `fin: false` starts or continues a
    /// fragmented message.
    func send(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) async throws {
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | opcode)
        if payload.count < 126 {
            buffer.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(0x80 | 127))
            buffer.writeInteger(UInt64(payload.count))
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        buffer.writeBytes(mask)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset & 3] })
        try await channel.writeAndFlush(buffer)
    }

    func sendText(_ bytes: [UInt8]) async throws { try await send(opcode: 0x1, bytes) }
    func sendBinary(_ bytes: [UInt8]) async throws { try await send(opcode: 0x2, bytes) }

    /// Data frames (text and binary) received so far, in order.
    var dataFrames: [ReceivedFrame] { parser.frames.filter { $0.opcode == 0x1 || $0.opcode == 0x2 } }
    /// The code of the server's close frame, once one arrived.
    var closeCode: UInt16? {
        guard let close = parser.frames.first(where: { $0.opcode == 0x8 }), close.payload.count >= 2 else { return nil }
        return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
    }
    var isClosed: Bool { parser.isClosed }

    func close() {
        channel.close(promise: nil)
    }

    private func handshakeStatus() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let status = parser.status { return status }
            if parser.isClosed { throw RawWebSocketError.closedDuringHandshake }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw RawWebSocketError.noHandshakeAnswer
    }

    enum RawWebSocketError: Error {
        case badURL(String), refused(Int), closedDuringHandshake, noHandshakeAnswer
    }

    /// Bytes from the socket: first the HTTP answer, then server frames (never masked).
    private final class Parser: Sendable {
        private struct State {
            var pending: [UInt8] = []
            var status: Int?
            var frames: [ReceivedFrame] = []
            var fragments: [UInt8] = []
            var fragmentOpcode: UInt8 = 0
            var closed = false
        }
        private let state = Mutex(State())

        var status: Int? { state.withLock { $0.status } }
        var frames: [ReceivedFrame] { state.withLock { $0.frames } }
        var isClosed: Bool { state.withLock { $0.closed } }

        func markClosed() { state.withLock { $0.closed = true } }

        func consume(_ bytes: [UInt8]) {
            state.withLock { state in
                state.pending += bytes
                if state.status == nil {
                    guard let end = Self.headerEnd(in: state.pending) else { return }
                    let head = String(decoding: state.pending[..<end], as: UTF8.self)
                    state.status = head.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
                    state.pending.removeFirst(end + 4)
                }
                while let (frame, length) = Self.frame(in: state.pending) {
                    state.pending.removeFirst(length)
                    Self.add(frame, to: &state)
                }
            }
        }

        private static func add(_ frame: (fin: Bool, opcode: UInt8, payload: [UInt8]), to state: inout State) {
            if frame.opcode >= 0x8 {  // control frames are never fragmented
                state.frames.append(ReceivedFrame(opcode: frame.opcode, payload: frame.payload))
                return
            }
            if frame.opcode != 0 { state.fragmentOpcode = frame.opcode }
            state.fragments += frame.payload
            if frame.fin {
                state.frames.append(ReceivedFrame(opcode: state.fragmentOpcode, payload: state.fragments))
                state.fragments = []
            }
        }

        private static func headerEnd(in bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index
            }
            return nil
        }

        private static func frame(in bytes: [UInt8]) -> ((fin: Bool, opcode: UInt8, payload: [UInt8]), Int)? {
            guard bytes.count >= 2 else { return nil }
            var length = Int(bytes[1] & 0x7F)
            var offset = 2
            if length == 126 {
                guard bytes.count >= 4 else { return nil }
                length = Int(bytes[2]) << 8 | Int(bytes[3])
                offset = 4
            } else if length == 127 {
                guard bytes.count >= 10 else { return nil }
                length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            guard bytes.count >= offset + length else { return nil }
            let frame = (fin: bytes[0] & 0x80 != 0, opcode: bytes[0] & 0x0F, payload: Array(bytes[offset..<(offset + length)]))
            return (frame, offset + length)
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let parser: Parser

        init(parser: Parser) { self.parser = parser }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            parser.consume(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }

        func channelInactive(context: ChannelHandlerContext) {
            parser.markClosed()
        }
    }
}
