import Synchronization

extension VirtualUser {
    /// Runs the user's socket as a child task of `group` and returns once it is open.
    func open(url: String, key: String, in group: inout ThrowingTaskGroup<Void, Error>) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let once = Mutex(Optional(continuation))
            group.addTask {
                await self.run(url: url, key: key) { error in
                    guard let waiting = once.withLock({ $0.take() }) else { return }
                    if let error { waiting.resume(throwing: error) } else { waiting.resume() }
                }
                if let waiting = once.withLock({ $0.take() }) {
                    waiting.resume(throwing: Login.Failed(description: "\(self.name)'s socket closed before opening"))
                }
            }
        }
    }
}
