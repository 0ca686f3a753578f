import AsyncHTTPClient
import Logging

extension PushOptions {
    /// The push provider these options choose: log lines, or FCM with its service account.
    func makeProvider(http: HTTPClient, logger: Logger) async throws -> any PushProvider {
        switch provider {
        case .log:
            return LogPushProvider(logger: logger)
        case .fcm:
            let setUp = try fcmSetUp()
            let tokens = await GoogleAccessTokens(key: setUp.key, tokenURL: setUp.tokenURL, http: http)
            return FCMProvider(configuration: setUp.configuration, tokens: tokens, http: http, logger: logger)
        }
    }
}
