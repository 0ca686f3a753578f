import Foundation
import HTTPTypes
import Hummingbird

/// Reads credentials the way PROTOCOL.md allows clients to send them: headers `user` and
/// `accesskey`, or, for browsers that cannot set headers on a WebSocket, cookies of the
/// same names.
public enum CredentialExtractor {
    public static let userHeader = HTTPField.Name("user")!
    public static let accessKeyHeader = HTTPField.Name("accesskey")!

    /// The credentials of a request, or nil when the username or key is missing. Headers
    /// win over cookies; the two are never mixed, so a stale cookie cannot pair with a header.
    public static func credentials(from headers: HTTPFields) -> Credentials? {
        if let username = headers[userHeader], let key = headers[accessKeyHeader] {
            return make(username, key)
        }
        let cookies = Cookies(from: headers[values: .cookie])
        guard let username = cookies["user"]?.value, let key = cookies["accesskey"]?.value else { return nil }
        // Browsers percent-encode characters such as "+" (phone numbers) in cookie values.
        return make(username.removingPercentEncoding ?? username, key)
    }

    private static func make(_ username: String, _ key: String) -> Credentials? {
        let username = username.trimmingCharacters(in: .whitespaces)
        let key = key.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, !key.isEmpty else { return nil }
        return Credentials(username: username, accessKey: key)
    }
}
