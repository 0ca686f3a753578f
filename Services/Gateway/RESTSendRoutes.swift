import Broker
import ChatProtocol
import Contracts
import Foundation
import Hummingbird
import Logging
import PublicAPI
import ServiceKit

/// `POST /send` and its legacy alias `POST /messages`: a JSON array of messages (JSON
/// strings, or base64 protobuf with `format=binary`), with the same checks as a frame.
/// The batch is checked whole before anything is enqueued, so a refused batch leaves no
/// half of itself behind. Its messages count against the caller's rate limit, the one
/// their sockets and event streams share; a batch over it is refused whole with 429.
struct RESTSendRoutes: Sendable {
    let authenticate: @Sendable (HTTPFields) async throws -> String?
    let intake: MessageIntake
    let maxBatchMessages: Int
    let rateLimits: UserRateLimits
    /// Told of every CLIENT_ACK, as for a socket's: an event stream's client acks here, and a
    /// stopping gateway waits for the acks of what it wrote.
    var awaitedAcks: AwaitedAcks? = nil

    func add<Context: RequestContext>(to router: Router<Context>) {
        for path: RouterPath in ["/send", "/messages"] {
            router.post(path) { request, context in
                try await send(request, context: context)
            }
        }
    }

    private func send<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        let user: String?
        do {
            user = try await authenticate(request.headers)
        } catch {
            // The same 503 as AccessKeyMiddleware gives on the other services: the key may be
            // fine, so the client should retry, not log in again or see the framework's bare 500.
            context.logger.error("could not check credentials", metadata: ["reason": "\(error)"])
            return APIResponse.error(.authenticationUnavailable)
        }
        guard let user else { return APIResponse.error(APIError(.unauthorized, "missing or invalid credentials")) }
        let format: FrameFormat
        do {
            format = try FrameFormat(query: request.uri.queryParameters.get("format"))
        } catch {
            return APIResponse.error(APIError(.badRequest, "format must be text or binary"))
        }
        let wantsAcks = request.uri.queryParameters.get("ack")?.lowercased() == "true"
        let limit = intake.maxMessageBytes * maxBatchMessages
        let body = try await request.body.collect(upTo: limit + 1)
        guard body.readableBytes <= limit else {
            return APIResponse.error(APIError(.contentTooLarge, "request body larger than \(limit) bytes"))
        }
        guard let items = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [Any], !items.isEmpty else {
            return APIResponse.error(APIError(.badRequest, "body must be a non-empty JSON array of messages"))
        }
        guard items.count <= maxBatchMessages else {
            return APIResponse.error(APIError(.badRequest, "at most \(maxBatchMessages) messages per request"))
        }
        // Taken before the messages are read, as a socket's frames are.
        guard rateLimits.allow(user, count: items.count) else {
            context.logger.notice("rate limit exceeded", metadata: ["user": "\(user)", "messages": "\(items.count)"])
            return APIResponse.error(APIError(
                .tooManyRequests, "rate limit exceeded: at most \(rateLimits.rate) messages per second"))
        }
        var messages: [ChatMessage] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String, let bytes = format == .text ? Data(text.utf8) : Data(base64Encoded: text) else {
                return APIResponse.error(APIError(.badRequest, "message \(index) must be a \(format == .text ? "JSON" : "base64") string"))
            }
            switch intake.decode(bytes, format: format, user: user) {
            case .success(let message): messages.append(message)
            case .failure(let rejection):
                _ = intake.reject(rejection, user: user)
                return APIResponse.error(APIError(
                    HTTPResponse.Status(code: rejection.error.statusCode), "message \(index): \(rejection.error.description)"))
            }
        }
        let trackId = TrackId.make()
        var pending: [(ChatMessage, ProduceReceipt?)] = []
        for message in messages {
            switch await intake.enqueue(message, trackId: trackId) {
            case .accepted(let message, let receipt): pending.append((message, receipt))
            case .clientAck(_, let receipt):
                awaitedAcks?.acknowledged(message.id, by: user)
                pending.append((message, receipt))
            case .rejected: return APIResponse.error(APIError(.serviceUnavailable, "temporarily unable to accept messages"))
            }
        }
        var acks: [Any] = []
        for (message, receipt) in pending {
            do {
                _ = try await receipt?.stored()
            } catch {
                return APIResponse.error(APIError(.serviceUnavailable, "message \(message.id) not stored, send it again"))
            }
            if message.type != .clientAck, let ack = try? JSONSerialization.jsonObject(with: ChatMessage.serverAck(for: message).outboundJSON()) {
                acks.append(ack)
            }
        }
        let object: [String: Any] = wantsAcks ? ["acks": acks] : [:]
        return APIResponse.json(object, status: .created)
    }
}
