import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServiceKit

/// Calls a gateway's internal `/send` (GatewayDeliveryAPI).
struct GatewayClient: Sendable {
    let http: HTTPClient
    let timeout: Duration

    /// The gateway's answer per message; every message counts as `.error` when the
    /// gateway cannot be reached (it may be gone: the caller falls back to storage).
    func send(_ messages: [Data], to user: String, at gatewayURL: String) async -> [GatewayDeliveryAPI.Outcome] {
        do {
            var request = HTTPClientRequest(url: gatewayURL + GatewayDeliveryAPI.path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            let body = try JSONEncoder().encode(GatewayDeliveryAPI.Request(user: user, messages: messages))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { return messages.map { _ in .error } }
            let answer = try JSONDecoder().decode(GatewayDeliveryAPI.Response.self, from: Data(buffer: bytes))
            return answer.results.count == messages.count ? answer.results : messages.map { _ in .error }
        } catch {
            return messages.map { _ in .error }
        }
    }
}
