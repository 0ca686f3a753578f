import NIOCore
import NIOPosix

/// Opens authenticated WebSocket connections that then stay idle, from a chosen local
/// address: loopback has a whole /8, so spreading connections over 127.0.0.x avoids
/// running out of ephemeral ports (about 28,000 per source address).
struct IdleConnectionDialer: Sendable {
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    let host: String
    let port: Int
    let path: String
    /// Once upgraded, take nothing more from the socket: a client that stopped reading.
    var stopsReading = false
    /// The socket's receive buffer (SO_RCVBUF); small, it leaves what the server writes
    /// in the server's buffers rather than in this side's kernel.
    var receiveBufferBytes: Int?

    func open(from sourceAddress: String, user: String, key: String) async throws -> any Channel {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dmFydGFsYXAtY2FwYWNpdHk=\r\nSec-WebSocket-Version: 13\r\n"
            + "user: \(user)\r\naccesskey: \(key)\r\n\r\n"
        // The promise is made before the channel so only its (sendable) future leaves the
        // event loop, never the handler.
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let upgradePromise = eventLoop.makePromise(of: Void.self)
        let upgraded = upgradePromise.futureResult
        let channel: any Channel
        do {
            var bootstrap = ClientBootstrap(group: eventLoop)
            if let receiveBufferBytes {
                bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes))
            }
            channel = try await bootstrap
                .bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UpgradeWaiter(promise: upgradePromise))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            upgradePromise.fail(error)  // a promise must not be dropped unfulfilled
            throw error
        }
        try await channel.writeAndFlush(ByteBuffer(string: request))
        do {
            try await upgraded.get()
            if stopsReading { try await channel.setOption(ChannelOptions.autoRead, value: false).get() }
        } catch {
            try? await channel.close()
            throw error
        }
        return channel
    }
}

/// Waits for the server's `101 Switching Protocols`; after that the connection only idles.
private final class UpgradeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private var response = ""
    private var answered = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var buffer = unwrapInboundIn(data)
        response += buffer.readString(length: buffer.readableBytes) ?? ""
        guard let end = response.range(of: "\r\n\r\n") else { return }
        answered = true
        let head = response[..<end.lowerBound]
        if head.hasPrefix("HTTP/1.1 101") {
            promise.succeed()
        } else {
            promise.fail(IdleConnectionDialer.Refused(description: String(head.prefix(80))))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !answered {
            answered = true
            promise.fail(IdleConnectionDialer.Refused(description: "closed before the upgrade"))
        }
        context.fireChannelInactive()
    }
}
