import AsyncHTTPClient
import Contracts
import Foundation
import NIOCore
import ServiceKit

/// Hands a group change that a client sent as a message to group-ms, which applies the
/// same rules and sends the same events as for the REST routes.
struct GroupActionClient: Sendable {
    enum Outcome: Sendable, Equatable {
        case applied
        /// group-ms refused it (not an admin, no such group, limits): the sender is told why.
        case refused(code: Int, reason: String)
    }

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    let baseURL: String
    let http: HTTPClient

    func apply(_ action: Data, trackId: String) async throws -> Outcome {
        var request = HTTPClientRequest(url: baseURL + "/internal/group-actions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: TrackId.headerName, value: trackId)
        request.body = .bytes(ByteBuffer(bytes: action))
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024)
        let code = Int(response.status.code)
        switch code {
        case 200..<300:
            return .applied
        case 400..<500:
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
            return .refused(code: code, reason: object?["error"] as? String ?? "refused")
        default:
            throw Unavailable(description: "group-ms answered \(code)")
        }
    }
}
