import AsyncHTTPClient
import DocumentStore
import Foundation
import Hummingbird
import XCTest

/// The throwaway stack `Deployment/local/stack test` started (nginx, profile-ms with the
/// dev identity provider, broker, database), read from the variables it exports.
enum TestStack {
    enum SetupError: Error { case missing(String), unexpected(String) }

    static func environment(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            XCTFail("\(name) is not set: run the tests with Deployment/local/stack test", file: file, line: line)
            throw SetupError.missing(name)
        }
        return value
    }

    /// e.g. http://127.0.0.1:9080/v1.0
    static func publicURL() throws -> String { try environment("VARTALAP_TEST_PUBLIC_URL") }
    static func brokers() throws -> String { try environment("VARTALAP_TEST_BROKERS") }
    static func mongoURL() throws -> String { try environment("VARTALAP_TEST_MONGO_URL") }

    /// profile-ms's own port in the test stack: its SERVICES port (8101) plus the test
    /// offset (1000). VARTALAP_TEST_PROFILE_URL overrides it for a stack started by hand.
    static func profileURL() throws -> String {
        _ = try environment("VARTALAP_TEST_STACK_DIR")
        return ProcessInfo.processInfo.environment["VARTALAP_TEST_PROFILE_URL"] ?? "http://127.0.0.1:9101"
    }

    /// The database the stack's services use (their default --mongo-database).
    static let database = "vartalap"

    static func uniqueUser(_ prefix: String = "user") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Logs in through nginx with the dev identity provider; returns the access key.
    static func login(_ username: String, device: String = "test", file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let response = try await HTTP.send(
            "POST", try publicURL() + "/login",
            json: ["username": username, "authToken": "dev-token", "notificationToken": "push-\(username)", "deviceId": device])
        guard response.status == 200, let key = response.object["accesskey"] as? String else {
            XCTFail("login of \(username) failed: \(response.status) \(response.text)", file: file, line: line)
            throw SetupError.unexpected("login failed")
        }
        return key
    }

    static func credentials(_ user: String, _ key: String) -> [String: String] {
        ["user": user, "accesskey": key]
    }
}

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


/// Runs `body` with a connection to the test stack's database, closed afterwards.
func withTestStore<T: Sendable>(_ body: (DocumentStore) async throws -> T) async throws -> T {
    let store = try DocumentStore(uri: try TestStack.mongoURL())
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
