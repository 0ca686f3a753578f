import Synchronization

/// Keeps persistence's two publishers of stored copies in order for each user.
///
/// Redelivery publishes a connecting user's stored messages as it reads them; the writer
/// publishes a message it just stored for a user already marked connected. Unordered, a
/// message the writer stored during a redelivery could reach `send-message` before the
/// older ones redelivery was still reading, and overtake them. So redelivery opens the gate
/// for its users before it marks them connected and closes it once their copies are
/// enqueued, and the writer waits for it before publishing for one of them. (What the
/// writer stored during the redelivery may then go out twice; session-ms pushes a message
/// once.)
final class RedeliveryGate: Sendable {
    private struct State {
        var open: [String: Int] = [:]
        var waiters: [(users: Set<String>, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func begin(_ users: [String]) {
        state.withLock { state in
            for user in users { state.open[user, default: 0] += 1 }
        }
    }

    func end(_ users: [String]) {
        state.withLock { state in
            for user in users {
                if let count = state.open[user], count > 1 {
                    state.open[user] = count - 1
                } else {
                    state.open.removeValue(forKey: user)
                }
            }
            state.waiters.removeAll { waiter in
                guard waiter.users.allSatisfy({ state.open[$0] == nil }) else { return false }
                waiter.continuation.resume()
                return true
            }
        }
    }

    /// Returns once no redelivery of any of `users` is under way.
    func waitUntilClear(_ users: Set<String>) async {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if users.allSatisfy({ state.open[$0] == nil }) {
                    continuation.resume()
                } else {
                    state.waiters.append((users, continuation))
                }
            }
        }
    }

    /// Users with a redelivery under way, and callers waiting (tests).
    var openCount: Int { state.withLock { $0.open.count } }
    var waitingCount: Int { state.withLock { $0.waiters.count } }
}
