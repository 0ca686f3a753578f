import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport

/// What the end-to-end tests send to the stack's public URL, as the apps do.
extension TestStack {
    static func webSocketURL(format: String = "text", ack: Bool = true) throws -> String {
        try publicURL().replacingOccurrences(of: "http://", with: "ws://") + "/wss/?format=\(format)&ack=\(ack)"
    }

    /// A JSON request to the public URL; returns the status and the decoded object.
    static func request(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: try publicURL() + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }
}
