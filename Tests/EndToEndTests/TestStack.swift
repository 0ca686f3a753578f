import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import XCTest

/// The throwaway stack `Deployment/local/stack test` started: nginx in front of every
/// service, the broker and the database.
enum TestStack {
    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            XCTFail("\(name) is not set: run the tests with Deployment/local/stack test")
            throw StackError.notRunning
        }
        return value
    }

    /// e.g. http://127.0.0.1:9080/v1.0
    static func publicURL() throws -> String { try environment("VARTALAP_TEST_PUBLIC_URL") }

    static func webSocketURL(format: String = "text", ack: Bool = true) throws -> String {
        try publicURL().replacingOccurrences(of: "http://", with: "ws://") + "/wss/?format=\(format)&ack=\(ack)"
    }

    static func uniqueUser(_ prefix: String = "user") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Logs in through nginx with the dev identity provider; returns the access key.
    static func login(_ username: String) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: [
            "username": username, "authToken": "dev-token", "notificationToken": "push-\(username)", "deviceId": "test",
        ])
        let (status, object) = try await request("POST", "/login", body: body)
        guard status == 200, let key = object["accesskey"] as? String else {
            XCTFail("login of \(username) failed: \(status) \(object)")
            throw StackError.loginFailed
        }
        return key
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

    static func credentials(_ user: String, _ key: String) -> [String: String] {
        ["user": user, "accesskey": key]
    }

    enum StackError: Error { case notRunning, loginFailed }
}
