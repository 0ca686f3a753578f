import Synchronization

@testable import SessionService

/// Time that moves only when a test says so. `DeliveryCoordinator` sleeps on it (through
/// `DeliveryTimer`), so a test sees exactly what happens at each timeout without waiting.
final class ManualClock: Sendable {
    private struct Sleeper {
        let id: Int
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextId = 0
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    var timer: DeliveryTimer {
        DeliveryTimer { [self] duration in try await self.sleep(for: duration) }
    }

    /// Sleeps not yet woken or cancelled.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// Moves time on and wakes every sleeper whose deadline it passed.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now += duration
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        due.forEach { $0.continuation.resume() }
    }

    private func sleep(for duration: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextId += 1 }
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelledAlready = state.withLock { state in
                    guard !state.cancelled.contains(id) else { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: state.now + duration, continuation: continuation))
                    return false
                }
                if cancelledAlready { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil as Sleeper? }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
