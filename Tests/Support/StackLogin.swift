import AsyncHTTPClient
import Foundation

extension TestStack {
    public struct LoginFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Logs `username` in through nginx as an app does, with the dev identity provider the
    /// stack runs profile-ms with (it accepts any token), and returns the access key. The
    /// device registers `notificationToken` for pushes, by default one named after the user.
    public static func login(_ username: String, device: String = "test", notificationToken: String? = nil) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: [
            "username": username, "authToken": "dev-token", "notificationToken": notificationToken ?? "push-\(username)",
            "deviceId": device,
        ])
        var request = HTTPClientRequest(url: try publicURL() + "/login")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let reply = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        let object = (try? JSONSerialization.jsonObject(with: reply)) as? [String: Any]
        guard response.status.code == 200, let key = object?["accesskey"] as? String else {
            throw LoginFailed(
                description: "login of \(username) failed: \(response.status.code) \(String(decoding: reply, as: UTF8.self))")
        }
        return key
    }

    /// The headers the public API authenticates a request with.
    public static func credentials(_ user: String, _ key: String) -> [String: String] {
        ["user": user, "accesskey": key]
    }
}
