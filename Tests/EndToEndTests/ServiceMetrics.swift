import AsyncHTTPClient
import Foundation
import TestSupport

/// Reads the stack services' Prometheus `/metrics` (their ports come from `stack test`).
enum ServiceMetrics {
    /// One metric from each of `services`, summed over its series; with `label`
    /// (`name="value"`) only the series carrying it.
    static func values(named name: String, label: String? = nil, of services: [String]) async throws -> [String: Double] {
        var values: [String: Double] = [:]
        for (service, port) in try TestStack.servicePorts() where services.contains(service) {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
            let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
            values[service] = text.split(separator: "\n")
                .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
                .filter { line in label.map { line.contains($0) } ?? true }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
                .reduce(0, +)
        }
        return values
    }

    static func value(named name: String, label: String? = nil, of service: String) async throws -> Double {
        try await values(named: name, label: label, of: [service])[service] ?? 0
    }
}
