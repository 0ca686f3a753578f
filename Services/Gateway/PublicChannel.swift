import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import PublicAPI

/// The public port's connections. Plain HTTP goes to the Hummingbird router (REST send).
/// An upgrade request is judged by `WebSocketRoutes` before anything is upgraded; once a
/// socket speaks WebSocket it belongs to its `WebSocketFrameHandler` on the event loop and
/// `handle` returns, so no task or async channel is kept per open socket (hummingbird-
/// websocket keeps both, which is most of an idle socket's memory).
struct PublicChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, APIError)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let webSocket: WebSocketRoutes

    init(responder: @escaping HTTPChannelHandler.Responder, webSocket: WebSocketRoutes) {
        self.responder = Self.redirectingLateUpgrades(responder)
        self.webSocket = webSocket
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // What `shouldUpgrade` decided, for the two ways the upgrade handler goes on.
            let decided = NIOLoopBoundBox<WebSocketRoutes.Verdict?>(nil, eventLoop: channel.eventLoop)
            let webSocket = self.webSocket
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: webSocket.settings.maxMessageBytes,
                shouldUpgrade: { channel, head in
                    // Authentication reads the database: it runs as a task, never on the event loop.
                    let verdict = channel.eventLoop.makePromise(of: WebSocketRoutes.Verdict.self)
                    verdict.completeWithTask { await webSocket.verdict(on: head) }
                    return verdict.futureResult.map { verdict -> HTTPHeaders? in
                        decided.value = verdict
                        guard case .upgrade = verdict else { return nil }
                        return HTTPHeaders()
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .upgrade(let connection) = decided.value else { throw ChannelError.inappropriateOperationForState }
                        try webSocket.install(connection, on: channel)
                        return .webSocket
                    }
                })
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let http = try Self.httpChannel(channel, logger: logger)
                        if case .refuse(let error) = decided.value { return .refused(http, error) }
                        return .http(http)
                    }
                })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrades)
            configuration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            configuration.enableErrorHandling = false  // Hummingbird handles errors
            configuration.enableResponseHeaderValidation = false  // HTTPTypes already validates
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .webSocket:
                break
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let error):
                try await Self.refuse(http, with: error)
            }
        } catch {
            logger.debug("connection ended before it was served", metadata: ["reason": "\(error)"])
        }
    }

    /// The same pipeline Hummingbird's HTTP1Channel builds, once the upgrade handler is done.
    private static func httpChannel(_ channel: any Channel, logger: Logger) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
        return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }

    private static func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, with error: APIError) async throws {
        let body = APIResponse.errorBody(error)
        let head = HTTPResponse(
            status: error.status,
            headerFields: [.connection: "close", .contentType: "application/json", .contentLength: "\(body.count)"])
        try await http.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: [.head(head), .body(ByteBuffer(bytes: body)), .end(nil)])
        }
    }

    /// NIO upgrades only a connection's first request. A later upgrade request on a
    /// kept-alive connection is sent to the same URL on a new connection, as
    /// hummingbird-websocket does.
    private static func redirectingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectedUpgrade: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                return try await responder(request, writer, channel)
            }
            let location = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            try await writer.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw RedirectedUpgrade()
        }
    }
}
