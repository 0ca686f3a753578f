import AsyncHTTPClient
import Contracts
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceKit

/// What pushing one message to one gateway came to.
enum PushOutcome: Equatable, Sendable {
    /// The gateway's own answer.
    case answered(GatewayDeliveryAPI.Outcome)
    /// Nothing listens at the gateway's URL: the process is gone, and every socket it
    /// held with it.
    case gatewayGone
    /// No answer for another reason (timeout, a bad response): the gateway may be alive.
    case failed
}

/// Calls a gateway's internal `/send` (GatewayDeliveryAPI).
struct GatewayClient: Sendable {
    let http: HTTPClient
    let timeout: Duration

    /// The HTTP client session-ms needs: a refused connection fails the call at once
    /// (AsyncHTTPClient would otherwise retry connecting until the call's deadline), so
    /// a dead gateway costs a refused connect, not a timeout, per call.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The outcome per delivery, in order.
    func send(_ deliveries: [GatewayDeliveryAPI.Delivery], at gatewayInternalURL: String) async -> [PushOutcome] {
        let failed = [PushOutcome](repeating: .failed, count: deliveries.count)
        do {
            var request = HTTPClientRequest(url: gatewayInternalURL + GatewayDeliveryAPI.path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            let body = try JSONEncoder().encode(GatewayDeliveryAPI.Request(deliveries: deliveries))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else { return failed }
            let answer = try JSONDecoder().decode(GatewayDeliveryAPI.Response.self, from: Data(buffer: bytes))
            return answer.results.count == deliveries.count ? answer.results.map(PushOutcome.answered) : failed
        } catch {
            return Self.isRefused(error) ? [PushOutcome](repeating: .gatewayGone, count: deliveries.count) : failed
        }
    }

    /// Every address of the URL refused the connection. A connect timeout is not taken
    /// as gone: an overloaded gateway still holds its sockets.
    static func isRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        guard let connection = error as? NIOConnectionError, !connection.connectionErrors.isEmpty else { return false }
        return connection.connectionErrors.allSatisfy { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
