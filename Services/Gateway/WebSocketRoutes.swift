import ChatProtocol
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import ServiceKit
/// `GET /wss/?format=text|binary&ack=true`: authenticates before upgrading (401, no
/// upgrade, on bad credentials), then runs one client connection.
struct WebSocketRoutes: Sendable {
    let authenticate: @Sendable (HTTPFields) async throws -> String?
    let intake: MessageIntake
    let registry: ConnectionRegistry
    let events: ConnectionEvents
    let rateLimitPerSecond: Int
    let rateLimitBurst: Int
    let maxFrameBytes: Int
    let logger: Logger
    private let openConnections = Gauge(label: "gateway_open_connections")

    func add(to router: Router<BasicWebSocketRequestContext>) {
        // The router treats "/wss/" (what nginx forwards) and "/wss" as one path.
        router.ws("/wss") { request, _ in
            guard try await authenticate(request.headers) != nil else {
                throw HTTPError(.unauthorized, message: #"{"status":false,"error":"missing or invalid credentials"}"#)
            }
            guard (try? FrameFormat(query: request.uri.queryParameters.get("format"))) != nil else {
                throw HTTPError(.badRequest, message: #"{"status":false,"error":"format must be text or binary"}"#)
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let user = try await authenticate(context.request.headers),
                let format = try? FrameFormat(query: context.request.uri.queryParameters.get("format"))
            else { return }
            let connection = ClientConnection(
                user: user, format: format,
                wantsServerAcks: context.request.uri.queryParameters.get("ack")?.lowercased() == "true")
            await run(connection, inbound: inbound, outbound: outbound)
        }
    }

    private func run(_ connection: ClientConnection, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        registry.add(connection)
        openConnections.record(registry.count)
        await events.publish(.connected, connection)
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await Self.write(connection, to: outbound)
            }
            do {
                try await readFrames(of: connection, from: inbound)
            } catch {
                logger.debug("connection ended", metadata: ["user": "\(connection.user)", "reason": "\(error)"])
            }
            registry.remove(connection)
            connection.finish()
        }
        openConnections.record(registry.count)
        await events.publish(.disconnected, connection)
    }

    /// The only writer of the socket. Runs until the connection's frame stream finishes,
    /// answering every delivery (false once the socket is gone).
    private static func write(_ connection: ClientConnection, to outbound: WebSocketOutboundWriter) async {
        for await frame in connection.frames {
            let message: WebSocketOutboundWriter.OutboundFrame =
                frame.isText
                ? .text(String(decoding: frame.bytes, as: UTF8.self))
                : .binary(ByteBuffer(bytes: frame.bytes))
            let written = (try? await outbound.write(message)) != nil
            frame.written?.resume(returning: written)
        }
    }

    private func readFrames(of connection: ClientConnection, from inbound: WebSocketInboundStream) async throws {
        var limiter = RateLimiter(rate: rateLimitPerSecond, burst: rateLimitBurst)
        for try await frame in inbound.messages(maxSize: maxFrameBytes) {
            let bytes: Data
            switch frame {
            case .text(let text):
                if text == "ping" {
                    connection.sendText("pong")
                    continue
                }
                bytes = Data(text.utf8)
            case .binary(let buffer):
                bytes = Data(buffer.readableBytesView)
            }
            guard limiter.allow() else {
                logger.notice("rate limit exceeded", metadata: ["user": "\(connection.user)"])
                connection.send(ChatMessage.errorFrame(
                    id: connection.format.messageId(inUndecodable: bytes), to: connection.user, code: 429,
                    reason: "rate limit exceeded: at most \(rateLimitPerSecond) messages per second"))
                continue
            }
            await handle(bytes, from: connection)
        }
    }

    private func handle(_ bytes: Data, from connection: ClientConnection) async {
        let outcome: MessageIntake.Outcome
        switch intake.decode(bytes, format: connection.format, user: connection.user) {
        case .failure(let rejection): outcome = intake.reject(rejection, user: connection.user)
        case .success(let message): outcome = await intake.enqueue(message, trackId: TrackId.make())
        }
        switch outcome {
        case .rejected(let errorFrame):
            if let errorFrame { connection.send(errorFrame) }
        case .clientAck:
            break
        case .accepted(let message, let delivery):
            // Acks are sent once the broker has the message; waiting for that off the
            // read loop keeps a connection's messages pipelined.
            guard connection.wantsServerAcks else { return }
            Task {
                do {
                    _ = try await delivery.report()
                    connection.send(ChatMessage.serverAck(for: message))
                } catch {
                    connection.send(ChatMessage.errorFrame(
                        id: message.id, to: connection.user, code: 503, reason: "message not stored, send it again"))
                }
            }
        }
    }
}
