import Logging
import ServiceLifecycle

/// Repeats work that failed because a dependency (database, broker, another service) is
/// unavailable, pausing longer each time (up to 5 s), until it succeeds. Returns nil once
/// the service began shutting down: records are resolved only after their work is done,
/// so giving up would stall the partition anyway, and work resumes as soon as the
/// dependency is back.
public func retrying<T>(_ what: String, logger: Logger, _ work: () async throws -> T) async -> T? {
    var pause = Duration.milliseconds(100)
    while true {
        do {
            return try await work()
        } catch {
            logger.error("\(what) failed, retrying", metadata: ["reason": "\(error)", "retryIn": "\(pause)"])
        }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return nil }
        try? await Task.sleep(for: pause)
        pause = min(pause * 2, .seconds(5))
    }
}

/// `retrying` for work without a result: true once it succeeded, false when shutting down.
public func retrying(_ what: String, logger: Logger, _ work: () async throws -> Void) async -> Bool {
    await retrying(what, logger: logger, work) as Void? != nil
}
