import Synchronization

/// The value of `task` if it finishes within `limit`, else nil. The task goes on either
/// way: a libmongoc call cannot be interrupted, but its caller need not wait for it.
func value<T: Sendable>(of task: Task<T, Never>, within limit: Duration) async -> T? {
    let answer = FirstAnswer<T?>()
    return await withCheckedContinuation { continuation in
        answer.expect(continuation)
        Task { answer.give(await task.value) }
        Task {
            try? await Task.sleep(for: limit)
            answer.give(nil)
        }
    }
}

/// Resumes a continuation with the first value given; later ones are dropped.
private final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func expect(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ value: T) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}
