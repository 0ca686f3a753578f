import Foundation
import Hummingbird
import Prometheus

/// `/alive`, `/ready` and `/metrics`, served by every service on its HTTP port.
public struct OperationalRoutes: Sendable {
    public let readiness: Readiness
    public let registry: PrometheusCollectorRegistry

    public init(readiness: Readiness, registry: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.registry = registry
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/alive") { _, _ in
            Self.json(.ok, ["status": true])
        }
        router.get("/ready") { [readiness] _, _ in
            readiness.isReady
                ? Self.json(.ok, ["status": true])
                : Self.json(.serviceUnavailable, ["status": false, "waitingFor": readiness.waitingFor])
        }
        router.get("/metrics") { [registry] _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
