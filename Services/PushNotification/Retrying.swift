import Logging
import ServiceLifecycle

/// Repeats work that failed because the database is unavailable, pausing longer each time
/// (up to 5 s), until it succeeds; false when the service began shutting down first.
func retrying(_ what: String, logger: Logger, _ work: () async throws -> Void) async -> Bool {
    var pause = Duration.milliseconds(100)
    while true {
        do {
            try await work()
            return true
        } catch {
            logger.error("\(what) failed, retrying", metadata: ["reason": "\(error)", "retryIn": "\(pause)"])
        }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return false }
        try? await Task.sleep(for: pause)
        pause = min(pause * 2, .seconds(5))
    }
}
