import Foundation
import Hummingbird

/// The JSON responses of the public API (PROTOCOL.md).
public enum APIResponse {
    public static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        response(data(any: object), status: status)
    }

    /// A top-level JSON array (e.g. `GET /groups`).
    public static func json(array: [Any], status: HTTPResponse.Status = .ok) -> Response {
        response(data(any: array), status: status)
    }

    /// A body already encoded, e.g. spliced from stored messages' own JSON so that each is
    /// byte for byte what a socket delivers.
    public static func json(encoded body: Data, status: HTTPResponse.Status = .ok) -> Response {
        response(body, status: status)
    }

    public static func error(_ error: APIError) -> Response {
        response(errorBody(error), status: error.status)
    }

    /// The bytes of an error's body, for answers written outside a router (the gateway
    /// refuses WebSocket upgrades on the raw channel) so they cannot drift from `error(_:)`.
    public static func errorBody(_ error: APIError) -> Data {
        data(any: ["status": false, "error": error.reason])
    }

    private static func data(any object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    private static func response(_ body: Data, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
