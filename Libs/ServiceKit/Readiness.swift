import Synchronization

/// What `/ready` reports: ready once every registered dependency said so (broker
/// consumers assigned, database reachable, ...). Starts with nothing pending.
public final class Readiness: Sendable {
    private let pending = Mutex<Set<String>>([])

    public init() {}

    /// Adds a dependency that must become ready before the service is.
    public func register(_ name: String) {
        pending.withLock { _ = $0.insert(name) }
    }

    public func markReady(_ name: String) {
        pending.withLock { _ = $0.remove(name) }
    }

    /// Marks a dependency lost again (e.g. the database went away).
    public func markNotReady(_ name: String) {
        register(name)
    }

    public var isReady: Bool { pending.withLock { $0.isEmpty } }
    public var waitingFor: [String] { pending.withLock { $0.sorted() } }
}
