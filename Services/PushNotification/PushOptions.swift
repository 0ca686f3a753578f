import ArgumentParser
import ServiceKit

/// push-notification's own flags.
struct PushOptions: ParsableArguments, Sendable {
    @Option(help: "Where pushes go: fcm (Firebase Cloud Messaging HTTP v1) or log (only logged; the local stack's choice) (env PUSH_PROVIDER).")
    var pushProvider: String = EnvironmentDefault.string("PUSH_PROVIDER", PushProviderKind.fcm.rawValue)

    @Option(help: "How long FCM keeps trying to reach an unreachable device, in seconds (env PUSH_TTL_SECONDS).")
    var pushTtlSeconds: Int = EnvironmentDefault.int("PUSH_TTL_SECONDS", 86_400)

    @Option(help: "A user's messages arriving within this many ms of the first go out as one push (env PUSH_COLLAPSE_WINDOW_MS).")
    var pushCollapseWindowMs: Int = EnvironmentDefault.int("PUSH_COLLAPSE_WINDOW_MS", 1000)

    @Option(help: "Tries per push when FCM answers 429 or 5xx, the first included (env PUSH_MAX_ATTEMPTS).")
    var pushMaxAttempts: Int = EnvironmentDefault.int("PUSH_MAX_ATTEMPTS", 5)

    @Option(help: "The Google service-account key (JSON) that authorises FCM calls; never logged (env FCM_SERVICE_ACCOUNT_FILE).")
    var fcmServiceAccountFile: String = EnvironmentDefault.string("FCM_SERVICE_ACCOUNT_FILE", "")

    @Option(help: "The Firebase project pushes are sent through; defaults to the key's project_id (env FCM_PROJECT_ID).")
    var fcmProjectId: String = EnvironmentDefault.string("FCM_PROJECT_ID", "")

    @Option(help: "Base URL of the FCM HTTP v1 API (env FCM_API_URL).")
    var fcmApiUrl: String = EnvironmentDefault.string("FCM_API_URL", FCMConfiguration.googleAPIURL)

    @Option(help: "OAuth2 token endpoint; defaults to the key's token_uri (env FCM_TOKEN_URL).")
    var fcmTokenUrl: String = EnvironmentDefault.string("FCM_TOKEN_URL", "")

    // A plain string rather than an enum, so a bad value from the environment fails here
    // instead of silently falling back to the default.
    var provider: PushProviderKind { PushProviderKind(rawValue: pushProvider) ?? .fcm }

    mutating func validate() throws {
        guard PushProviderKind(rawValue: pushProvider) != nil else {
            throw ValidationError("--push-provider must be fcm or log")
        }
        guard pushTtlSeconds >= 0, pushTtlSeconds <= FCMConfiguration.maxTTLSeconds else {
            throw ValidationError("--push-ttl-seconds must be between 0 and \(FCMConfiguration.maxTTLSeconds) (FCM's 28 days)")
        }
        guard (0...60_000).contains(pushCollapseWindowMs) else {
            throw ValidationError("--push-collapse-window-ms must be between 0 and 60000")
        }
        guard (1...20).contains(pushMaxAttempts) else { throw ValidationError("--push-max-attempts must be between 1 and 20") }
        for (flag, url) in [("--fcm-api-url", fcmApiUrl), ("--fcm-token-url", fcmTokenUrl)] where !url.isEmpty {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw ValidationError("\(flag) must be an http(s) URL")
            }
        }
        if provider == .fcm {
            guard !fcmServiceAccountFile.isEmpty else {
                throw ValidationError("--push-provider fcm needs --fcm-service-account-file")
            }
            // Read now, so `--check-config` and a bad deployment fail before anything starts.
            let key: ServiceAccountKey
            do {
                key = try ServiceAccountKey(contentsOf: fcmServiceAccountFile)
            } catch {
                throw ValidationError("\(error)")
            }
            guard !fcmProjectId.isEmpty || !key.projectId.isEmpty else {
                throw ValidationError("the service-account key names no project_id: give --fcm-project-id")
            }
        }
    }

    /// The FCM set-up these flags describe, with the key they name.
    func fcmSetUp() throws -> (configuration: FCMConfiguration, key: ServiceAccountKey, tokenURL: String) {
        let key = try ServiceAccountKey(contentsOf: fcmServiceAccountFile)
        let configuration = FCMConfiguration(
            apiURL: fcmApiUrl, projectId: fcmProjectId.isEmpty ? key.projectId : fcmProjectId, ttlSeconds: pushTtlSeconds,
            maxAttempts: pushMaxAttempts)
        let tokenURL = fcmTokenUrl.isEmpty ? key.tokenURI ?? GoogleAccessTokens.googleTokenURL : fcmTokenUrl
        return (configuration, key, tokenURL)
    }

    var summary: [String: String] {
        [
            "pushProvider": pushProvider,
            "pushTtlSeconds": "\(pushTtlSeconds)",
            "pushCollapseWindowMs": "\(pushCollapseWindowMs)",
            "pushMaxAttempts": "\(pushMaxAttempts)",
            "fcmServiceAccountFile": fcmServiceAccountFile,
            "fcmProjectId": fcmProjectId,
            "fcmApiUrl": fcmApiUrl,
            "fcmTokenUrl": fcmTokenUrl,
        ]
    }
}

enum PushProviderKind: String {
    case fcm, log
}
