/// A condition a test waited for did not come true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Waits until `condition` holds, checking every 20 ms; throws `TimedOut` after `timeout`.
public func eventually(
    timeout: Duration = .seconds(20), _ what: String, _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(description: "timed out after \(timeout) waiting for \(what)")
}
