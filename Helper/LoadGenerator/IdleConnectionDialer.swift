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

    func open(from sourceAddress: String, user: String, key: String) async throws -> any Channel {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dmFydGFsYXAtY2FwYWNpdHk=\r\nSec-WebSocket-Version: 13\r\n"
            + "user: \(user)\r\naccesskey: \(key)\r\n\r\n"
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpgradeWaiter(promise: channel.eventLoop.makePromise()))
                }
            }
            .connect(host: host, port: port).get()
        let waiter = try await channel.pipeline.handler(type: UpgradeWaiter.self).get()
        let upgraded = waiter.upgraded
        try await channel.writeAndFlush(ByteBuffer(string: request))
        do {
            try await upgraded.get()
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

    var upgraded: EventLoopFuture<Void> { promise.futureResult }

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
