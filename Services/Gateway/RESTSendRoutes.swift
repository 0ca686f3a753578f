import Broker
import ChatProtocol
import Contracts
import Foundation
import Hummingbird
import Logging
import ServiceKit

/// `POST /send` and its legacy alias `POST /messages`: a JSON array of messages (JSON
/// strings, or base64 protobuf with `format=binary`), with the same checks as a frame.
/// The batch is checked whole before anything is enqueued, so a refused batch leaves no
/// half of itself behind.
struct RESTSendRoutes: Sendable {
    let authenticate: @Sendable (HTTPFields) async throws -> String?
    let intake: MessageIntake
    let maxBatchMessages: Int

    func add<Context: RequestContext>(to router: Router<Context>) {
        for path: RouterPath in ["/send", "/messages"] {
            router.post(path) { request, context in
                try await send(request, context: context)
            }
        }
    }

    private func send<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        guard let user = try await authenticate(request.headers) else {
            return JSONError.response(.unauthorized, "missing or invalid credentials")
        }
        let format: FrameFormat
        do {
            format = try FrameFormat(query: request.uri.queryParameters.get("format"))
        } catch {
            return JSONError.response(.badRequest, "format must be text or binary")
        }
        let wantsAcks = request.uri.queryParameters.get("ack")?.lowercased() == "true"
        let limit = intake.maxMessageBytes * maxBatchMessages
        let body = try await request.body.collect(upTo: limit + 1)
        guard body.readableBytes <= limit else {
            return JSONError.response(.contentTooLarge, "request body larger than \(limit) bytes")
        }
        guard let items = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [Any], !items.isEmpty else {
            return JSONError.response(.badRequest, "body must be a non-empty JSON array of messages")
        }
        guard items.count <= maxBatchMessages else {
            return JSONError.response(.badRequest, "at most \(maxBatchMessages) messages per request")
        }
        var messages: [ChatMessage] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String, let bytes = format == .text ? Data(text.utf8) : Data(base64Encoded: text) else {
                return JSONError.response(.badRequest, "message \(index) must be a \(format == .text ? "JSON" : "base64") string")
            }
            switch intake.decode(bytes, format: format, user: user) {
            case .success(let message): messages.append(message)
            case .failure(let rejection):
                _ = intake.reject(rejection, user: user)
                return JSONError.response(
                    HTTPResponse.Status(code: rejection.error.statusCode), "message \(index): \(rejection.error.description)")
            }
        }
        let trackId = TrackId.make()
        var pending: [(ChatMessage, ProduceReceipt?)] = []
        for message in messages {
            switch await intake.enqueue(message, trackId: trackId) {
            case .accepted(let message, let receipt): pending.append((message, receipt))
            case .clientAck(let receipt): pending.append((message, receipt))
            case .rejected: return JSONError.response(.serviceUnavailable, "temporarily unable to accept messages")
            }
        }
        var acks: [Any] = []
        for (message, receipt) in pending {
            do {
                _ = try await receipt?.stored()
            } catch {
                return JSONError.response(.serviceUnavailable, "message \(message.id) not stored, send it again")
            }
            if message.type != .clientAck, let ack = try? JSONSerialization.jsonObject(with: ChatMessage.serverAck(for: message).outboundJSON()) {
                acks.append(ack)
            }
        }
        let object: [String: Any] = wantsAcks ? ["acks": acks] : [:]
        return JSONError.json(.created, object)
    }
}

/// Error bodies of the public API: `{status:false, error}`.
enum JSONError {
    static func response(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        json(status, ["status": false, "error": reason])
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
