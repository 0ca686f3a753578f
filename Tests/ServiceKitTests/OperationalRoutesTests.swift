import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import ServiceKit
import XCTest

final class OperationalRoutesTests: XCTestCase {
    private func makeApplication(readiness: Readiness, registry: PrometheusCollectorRegistry) -> some ApplicationProtocol {
        let router = Router()
        OperationalRoutes(readiness: readiness, registry: registry).add(to: router)
        return Application(router: router)
    }

    func testAliveAnswersWhileReadyWaitsForEveryDependency() async throws {
        let readiness = Readiness()
        readiness.register("broker")
        readiness.register("database")
        let app = makeApplication(readiness: readiness, registry: PrometheusCollectorRegistry())
        try await app.test(.router) { client in
            try await client.execute(uri: "/alive", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                XCTAssertEqual(body?["waitingFor"] as? [String], ["broker", "database"])
            }
            readiness.markReady("broker")
            try await client.execute(uri: "/ready", method: .get) { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
            }
            readiness.markReady("database")
            try await client.execute(uri: "/ready", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
            }
        }
    }

    func testMetricsAreServedInThePrometheusTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(name: "messages_accepted_total", labels: [("service", "test")])
        counter.increment(by: Int64(3))
        let app = makeApplication(readiness: Readiness(), registry: registry)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("text/plain") ?? false)
                let text = String(buffer: response.body)
                XCTAssertTrue(text.contains("messages_accepted_total{service=\"test\"} 3"), text)
            }
        }
    }
}
