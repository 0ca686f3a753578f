import ServiceLifecycle
import Synchronization

/// The clients a service opens (database, HTTP) and must close on every way out: a normal
/// stop, a failed start, a service that threw. `ServiceEnvironment.run(_:)` owns them, so
/// no `...Command.swift` writes its own cleanup.
///
/// It runs as the first service of the group, so a graceful stop closes the clients after
/// every other service has stopped (groups stop in reverse order). On any other way out
/// (a failure cancels the group at once, with services maybe still in a call) they are
/// closed only after the whole group has returned, never under a running call.
public final class ServiceResources: Service, Sendable {
    private struct Entry: Sendable {
        let name: String
        let close: @Sendable () async -> Void
    }

    private let entries = Mutex<[Entry]>([])

    init() {}

    /// Registers `resource` to be closed with `close`, last opened first closed; returns it.
    @discardableResult
    public func keep<Resource: Sendable>(
        _ resource: Resource, _ name: String, close: @escaping @Sendable (Resource) async throws -> Void
    ) -> Resource {
        entries.withLock { $0.append(Entry(name: name, close: { try? await close(resource) })) }
        return resource
    }

    public func run() async {
        try? await gracefulShutdown()
        // Cancelled (another service failed): others may still be in a call; the
        // environment closes everything once the group has returned.
        if !Task.isCancelled { await closeAll() }
    }

    /// Closes what is still open, in reverse order of opening; safe to call more than once.
    func closeAll() async {
        let open = entries.withLock { entries in
            defer { entries.removeAll() }
            return entries
        }
        for entry in open.reversed() { await entry.close() }
    }
}
