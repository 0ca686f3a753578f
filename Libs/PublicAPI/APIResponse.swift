import Foundation
import Hummingbird

/// A refusal with the status and reason the client gets as `{status:false, error}`.
public struct APIError: Error, Equatable {
    public let status: HTTPResponse.Status
    public let reason: String

    public init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}

/// The JSON responses of the public API (PROTOCOL.md).
public enum APIResponse {
    public static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        json(any: object, status: status)
    }

    /// A top-level JSON array (e.g. `GET /groups`).
    public static func json(array: [Any], status: HTTPResponse.Status = .ok) -> Response {
        json(any: array, status: status)
    }

    private static func json(any object: Any, status: HTTPResponse.Status) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    public static func error(_ error: APIError) -> Response {
        json(["status": false, "error": error.reason], status: error.status)
    }
}
