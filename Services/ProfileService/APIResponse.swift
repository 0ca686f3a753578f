import Foundation
import Hummingbird

/// A refusal with the status and reason the client gets as `{status:false, error}`.
struct APIError: Error, Equatable {
    let status: HTTPResponse.Status
    let reason: String

    init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}

/// The JSON responses of the public API (PROTOCOL.md).
enum APIResponse {
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func error(_ error: APIError) -> Response {
        json(["status": false, "error": error.reason], status: error.status)
    }
}
