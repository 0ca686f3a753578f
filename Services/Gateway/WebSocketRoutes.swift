import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PublicAPI

/// `GET /wss/?format=text|binary&ack=true` (also `/wss`): decides on an upgrade request,
/// authenticating it first (401 and no upgrade on bad credentials, 400 on a bad format),
/// and hands an upgraded socket to its frame handler.
struct WebSocketRoutes: Sendable {
    enum Verdict: Sendable {
        case upgrade(ClientConnection)
        /// Answered with this status and a JSON error, and the connection closed.
        case refuse(APIError)
    }

    let authenticate: @Sendable (HTTPFields) async throws -> String?
    let settings: WebSocketFrameHandler.Settings
    let actions: SocketActions
    let drain: GatewayDrain
    let logger: Logger

    func verdict(on head: HTTPRequestHead) async -> Verdict {
        let uri = URI(head.uri)
        guard uri.path == "/wss" || uri.path == "/wss/" else { return .refuse(APIError(.notFound, "no WebSocket at \(uri.path)")) }
        guard head.method == .GET else { return .refuse(APIError(.methodNotAllowed, "a WebSocket upgrade is a GET")) }
        guard !drain.isDraining else { return .refuse(APIError(.serviceUnavailable, "this gateway is stopping; connect again")) }
        let user: String?
        do {
            user = try await authenticate(Self.fields(of: head.headers))
        } catch {
            logger.error("could not check credentials", metadata: ["reason": "\(error)"])
            return .refuse(.authenticationUnavailable)
        }
        guard let user else { return .refuse(APIError(.unauthorized, "missing or invalid credentials")) }
        guard let format = try? FrameFormat(query: uri.queryParameters.get("format")) else {
            return .refuse(APIError(.badRequest, "format must be text or binary"))
        }
        let wantsServerAcks = uri.queryParameters.get("ack")?.lowercased() == "true"
        return .upgrade(ClientConnection(user: user, format: format, wantsServerAcks: wantsServerAcks))
    }

    /// Runs on the channel's event loop, right after the 101 answer went out. The channel
    /// turns unwritable once more than `maxPendingBytes` wait for the kernel, which is what
    /// closes a socket whose client stopped reading.
    func install(_ connection: ClientConnection, on channel: any Channel) throws {
        let bound = settings.maxPendingBytes
        try channel.syncOptions?.setOption(
            ChannelOptions.writeBufferWaterMark, value: ChannelOptions.Types.WriteBufferWaterMark(low: bound / 2, high: bound))
        let handler = WebSocketFrameHandler(connection: connection, settings: settings, actions: actions, logger: logger)
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    private static func fields(of headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return fields
    }
}
