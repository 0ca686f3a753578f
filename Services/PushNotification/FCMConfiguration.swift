/// Where and how the FCM provider sends.
struct FCMConfiguration: Sendable {
    static let googleAPIURL = "https://fcm.googleapis.com"
    /// FCM keeps a message at most four weeks.
    static let maxTTLSeconds = 2_419_200

    var apiURL: String
    var projectId: String
    /// Sent as `android.ttl`, a protobuf Duration in seconds ("86400s").
    var ttlSeconds: Int
    /// Tries per push on 429 and 5xx, the first included.
    var maxAttempts: Int
    /// The first pause between tries; each further pause doubles, up to `maxRetryDelay`.
    var retryBaseDelay: Duration = .milliseconds(500)
    /// Also caps a `Retry-After`, so one answer cannot hold a push (and its records) for hours.
    var maxRetryDelay: Duration = .seconds(60)
    var requestTimeout: Duration = .seconds(10)

    var requestTimeoutMilliseconds: Int64 {
        requestTimeout.components.seconds * 1000 + requestTimeout.components.attoseconds / 1_000_000_000_000_000
    }

    var sendURL: String {
        var base = apiURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/v1/projects/\(projectId)/messages:send"
    }
}
