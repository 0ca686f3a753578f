import AsyncHTTPClient
import Foundation
import NIOCore

/// Logs users in through the public URL (the local stack's dev identity provider accepts
/// any token) and returns their access keys.
enum Login {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func accessKey(for user: String, publicURL: String) async throws -> String {
        var request = HTTPClientRequest(url: publicURL + "/login")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        let body: [String: Any] = ["username": user, "authToken": "load-test", "notificationToken": "", "deviceId": "load"]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 16)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        guard response.status.code == 200, let key = object?["accesskey"] as? String else {
            throw Failed(description: "login of \(user) failed: \(response.status.code) \(String(buffer: bytes))")
        }
        return key
    }

    /// Logs `users` in a few at a time.
    static func accessKeys(for users: [String], publicURL: String, concurrency: Int = 16) async throws -> [String: String] {
        var keys: [String: String] = [:]
        for start in stride(from: 0, to: users.count, by: concurrency) {
            let batch = users[start..<min(start + concurrency, users.count)]
            try await withThrowingTaskGroup(of: (String, String).self) { group in
                for user in batch { group.addTask { (user, try await accessKey(for: user, publicURL: publicURL)) } }
                for try await (user, key) in group { keys[user] = key }
            }
        }
        return keys
    }
}
