import Foundation
import Synchronization
import TestSupport

// Pieces of the tests that keep traffic going while services die: users that reconnect,
// a watch on delivery progress, and the flag that stops the load.

/// A user whose sockets come and go: everything any of them received counts.
final class ReconnectingUser: Sendable {
    let name: String
    let key: String
    private let sockets = Mutex<[ChatClient]>([])

    init(name: String, key: String) {
        self.name = name
        self.key = key
    }

    var current: ChatClient? { sockets.withLock { $0.last } }

    /// Logs a new user in.
    static func login(_ prefix: String) async throws -> ReconnectingUser {
        let name = TestStack.uniqueName(prefix)
        return ReconnectingUser(name: name, key: try await TestStack.login(name))
    }

    /// Through nginx, or at `url` (one gateway's public port).
    func connect(url: String? = nil) async throws {
        let socket = try await ChatClient.connect(name, key: key, url: url)
        sockets.withLock { $0.append(socket) }
    }

    /// Reconnects once the gateway is back.
    func reconnect() async throws {
        try await eventually(timeout: .seconds(60), "\(name) to reconnect") {
            guard self.current?.isClosed ?? true else { return true }
            return (try? await self.connect()) != nil
        }
    }

    var received: [String] { sockets.withLock { $0.flatMap { $0.messages.compactMap(\.id) } } }
    /// Messages received more than once (same id), counted once per extra copy.
    var duplicates: Int {
        let all = received
        return all.count - Set(all).count
    }
    var serverAcked: Set<String> { sockets.withLock { Set($0.flatMap { $0.frames.filter(\.isServerAck).compactMap(\.id) }) } }
    func closeAll() { sockets.withLock { $0.forEach { $0.close() } } }
}

/// Watches total deliveries and keeps the longest time without any.
final class StallWatch: Sendable {
    private let state = Mutex((count: 0, lastProgress: ContinuousClock.now, longest: Duration.zero))

    func observe(_ count: Int) {
        state.withLock { state in
            let now = ContinuousClock.now
            if count > state.count {
                state.longest = max(state.longest, now - state.lastProgress)
                state.count = count
                state.lastProgress = now
            }
        }
    }

    var count: Int { state.withLock { $0.count } }
    var longest: Duration { state.withLock { $0.longest } }
}

/// A stop flag the load task polls.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
