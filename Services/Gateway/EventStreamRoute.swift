import ChatProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PublicAPI

/// `GET /events` with `Accept: text/event-stream`: one more connection of the user, for
/// clients that cannot hold a WebSocket. It is registered and announced like a socket, so
/// session-ms delivers to it, retries and hands off to storage exactly as for sockets;
/// the client acks with CLIENT_ACK through `POST /send`. A comment every
/// `keepAliveInterval` keeps proxies from closing an idle stream. A stopping gateway ends
/// its streams at once (`GatewayDrain`); their clients reconnect elsewhere.
struct EventStreamRoute: Sendable {
    let authenticate: @Sendable (HTTPFields) async throws -> String?
    let sessions: ClientSessions
    let drain: GatewayDrain
    let keepAliveInterval: Duration
    /// Events queued for a stream that its client has not read; past this the stream is
    /// closed, as a socket is (`ClientConnection.openEventStream`).
    let maxPendingBytes: Int
    let logger: Logger

    func add(to router: Router<PublicRequestContext>) {
        router.get("/events") { request, context in
            await open(request, context: context)
        }
    }

    private func open(_ request: Request, context: PublicRequestContext) async -> Response {
        guard !drain.isDraining else { return APIResponse.error(APIError(.serviceUnavailable, "this gateway is stopping; connect again")) }
        let user: String?
        do {
            user = try await authenticate(request.headers)
        } catch {
            logger.error("could not check credentials", metadata: ["reason": "\(error)"])
            return APIResponse.error(.authenticationUnavailable)
        }
        guard let user else { return APIResponse.error(APIError(.unauthorized, "missing or invalid credentials")) }
        guard Self.acceptsEventStream(request.headers[.accept]) else {
            return APIResponse.error(APIError(.notAcceptable, "GET /events answers text/event-stream only"))
        }
        let connection = ClientConnection(user: user, format: .text, wantsServerAcks: false)
        let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
        connection.openEventStream(continuation, on: context.channel, maxPendingBytes: maxPendingBytes)
        // The client went away: the stream ends, which closes the connection below.
        context.channel.closeFuture.whenComplete { _ in connection.finish() }
        await sessions.opened(connection)
        // The drain ends every open stream when it starts (`ConnectionRegistry`); one opened
        // just as it started is ended here.
        if drain.isDraining { connection.finish() }
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache",
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [sessions, keepAliveInterval, logger] writer in
                let keepAlive = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: keepAliveInterval)
                        connection.sendKeepAlive()
                    }
                }
                defer { keepAlive.cancel() }
                do {
                    try await writer.write(EventStreamFormat.opened)
                    for await chunk in events {
                        // Returns once the channel took the chunk, which waits while the
                        // client reads slower than the stream is fed.
                        try await writer.write(chunk)
                        connection.eventStreamWrote(chunk.readableBytes)
                    }
                    try await writer.finish(nil)
                } catch {
                    connection.finish()
                }
                if connection.stoppedReading {
                    logger.notice("closed an event stream that stopped reading", metadata: ["user": "\(user)"])
                }
                await sessions.closed(connection)
            })
    }

    /// Browsers' EventSource sends `text/event-stream`; a client that sends no Accept is
    /// served too.
    private static func acceptsEventStream(_ accept: String?) -> Bool {
        guard let accept, !accept.isEmpty else { return true }
        return accept.contains("text/event-stream") || accept.contains("*/*")
    }
}
