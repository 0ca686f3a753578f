import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServiceKit

/// Calls a gateway's internal `/send` (GatewayDeliveryAPI).
struct GatewayClient: Sendable {
    let http: HTTPClient
    let timeout: Duration

    /// The gateway's answer per delivery; every delivery counts as `.error` when the
    /// gateway cannot be reached (it may be gone: the caller falls back to storage).
    func send(_ deliveries: [GatewayDeliveryAPI.Delivery], at gatewayURL: String) async -> [GatewayDeliveryAPI.Outcome] {
        let failed = [GatewayDeliveryAPI.Outcome](repeating: .error, count: deliveries.count)
        do {
            var request = HTTPClientRequest(url: gatewayURL + GatewayDeliveryAPI.path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            let body = try JSONEncoder().encode(GatewayDeliveryAPI.Request(deliveries: deliveries))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else { return failed }
            let answer = try JSONDecoder().decode(GatewayDeliveryAPI.Response.self, from: Data(buffer: bytes))
            return answer.results.count == deliveries.count ? answer.results : failed
        } catch {
            return failed
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
