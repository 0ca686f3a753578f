import Foundation
import TestSupport

/// A push-notification process talking to `google` (its key file names the fake's token
/// endpoint), with its own consumer group and database.
enum PushProcess {
    static func start(
        google: FakeGoogle, database: String, topicArguments: [String] = [], collapseWindowMs: Int = 1500
    ) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "push-notification",
            arguments: [
                "--kafka-brokers", try TestStack.brokers(), "--app-name", TestStack.uniqueName("push-notification"),
                "--mongo-url", try TestStack.mongoURL(), "--mongo-database", database,
                "--push-provider", "fcm", "--fcm-service-account-file", google.keyFile.path, "--fcm-api-url", google.baseURL,
                "--push-collapse-window-ms", "\(collapseWindowMs)", "--push-ttl-seconds", "600",
            ] + topicArguments)
    }
}
