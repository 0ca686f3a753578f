import Auth
import HTTPTypes
import Hummingbird
import PublicAPI

/// A login as PROTOCOL.md describes it: body `{username, authToken, notificationToken,
/// deviceId="default", messageVersion=2.1}`, where the app sends the token in header
/// `token` and the username in header `user` instead.
struct LoginRequest: Sendable {
    static let maxBodyBytes = 16 * 1024
    static let defaultDeviceId = "default"
    static let defaultMessageVersion: Float = 2.1

    var username: String
    var authToken: String
    var notificationToken: String
    var deviceId: String
    var messageVersion: Float

    private struct Body: Decodable {
        var username: String?
        var authToken: String?
        var notificationToken: String?
        var deviceId: String?
        var messageVersion: Float?
    }

    static let tokenHeader = HTTPField.Name("token")!

    init(_ request: Request) async throws {
        let body = try await RequestJSON.decode(Body.self, from: request, limit: Self.maxBodyBytes, emptyAs: "{}")
        let headerUser = request.headers[CredentialExtractor.userHeader]
        if let bodyUser = body.username, let headerUser, bodyUser != headerUser {
            throw APIError(.badRequest, "username and the user header differ")
        }
        guard let username = body.username ?? headerUser, !username.isEmpty else {
            throw APIError(.badRequest, "username is required")
        }
        guard Usernames.isValid(username) else { throw APIError(.badRequest, Usernames.rule) }
        guard let token = body.authToken ?? request.headers[Self.tokenHeader], !token.isEmpty else {
            throw APIError(.unauthorized, "missing authToken")
        }
        let deviceId = body.deviceId ?? Self.defaultDeviceId
        guard !deviceId.isEmpty, deviceId.utf8.count <= 128, !deviceId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw APIError(.badRequest, "deviceId must be 1 to 128 characters") }
        let notificationToken = body.notificationToken ?? ""
        guard notificationToken.utf8.count <= 4096 else { throw APIError(.badRequest, "notificationToken is too long") }
        let messageVersion = body.messageVersion ?? Self.defaultMessageVersion
        guard messageVersion.isFinite, messageVersion > 0 else { throw APIError(.badRequest, "messageVersion must be positive") }

        self.username = username
        self.authToken = token
        self.notificationToken = notificationToken
        self.deviceId = deviceId
        self.messageVersion = messageVersion
    }
}

/// Which usernames profile-ms accepts: phone numbers and Firebase uids fit, and every
/// accepted name is safe in a header, a cookie and a log line.
enum Usernames {
    static let maxLength = 128
    static let rule = "username must be 1 to 128 letters, digits or + - _ . @ :"

    static func isValid(_ username: String) -> Bool {
        (1...maxLength).contains(username.utf8.count)
            && username.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: "+-_.@:".utf8.contains(byte)
                }
            }
    }
}
