import Foundation

/// The body of an FCM HTTP v1 `messages:send` call: a data message for one token, high
/// priority so the app may wake to handle it, kept for `ttl` while the device is away.
struct FCMSendRequest: Encodable {
    struct Message: Encodable {
        let token: String
        let data: [String: String]
        let android: Android
    }

    struct Android: Encodable {
        let priority: String
        let ttl: String
    }

    let message: Message

    init(_ push: Push, ttlSeconds: Int) {
        message = Message(token: push.token, data: push.data, android: Android(priority: "HIGH", ttl: "\(ttlSeconds)s"))
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// The parts of an FCM error answer that decide what to do (google.rpc.Status with
/// FcmError details).
struct FCMErrorResponse: Decodable {
    struct Status: Decodable {
        let status: String?
        let message: String?
        let details: [Detail]?
    }

    struct Detail: Decodable {
        let errorCode: String?
    }

    let error: Status

    /// The token will never work again: FCM's `UNREGISTERED` error code, or `NOT_FOUND`.
    var tokenIsDead: Bool {
        error.status == "NOT_FOUND" || (error.details ?? []).contains { $0.errorCode == "UNREGISTERED" }
    }

    var summary: String {
        let code = (error.details ?? []).compactMap(\.errorCode).first ?? error.status ?? "unknown"
        return "\(code): \(error.message ?? "")"
    }
}
