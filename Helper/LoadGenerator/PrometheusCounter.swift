import AsyncHTTPClient
import Foundation

/// Reads one counter from a service's Prometheus `/metrics` page. Cheap enough to poll
/// often, unlike counting through the database, which would compete with what it measures.
enum PrometheusCounter {
    static func value(_ name: String, at url: String) async throws -> Double {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code == 200 else {
            throw Login.Failed(description: "GET \(url): \(response.status.code)")
        }
        // A sample line is `name value` or `name{labels} value`; labelled series are summed.
        var total = 0.0
        for line in String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "\n") {
            guard line.hasPrefix(name), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            let rest = line.dropFirst(name.count)
            if rest.first == " " || rest.first == "{" { total += value }
        }
        return total
    }
}
