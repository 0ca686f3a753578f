import AsyncHTTPClient
import Foundation
import Hummingbird

/// Small JSON-over-HTTP client for the tests.
enum HTTP {
    struct Reply {
        let status: Int
        /// Lower-cased header names.
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var isJSONError: Bool { object["status"] as? Bool == false && !((object["error"] as? String) ?? "").isEmpty }
    }

    static func send(_ method: String, _ url: String, json: Any, headers: [String: String] = [:]) async throws -> Reply {
        try await send(method, url, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    static func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if body != nil { request.headers.add(name: "content-type", value: "application/json") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
        return Reply(status: Int(response.status.code), headers: headers, body: Data(bytes.readableBytesView))
    }
}
