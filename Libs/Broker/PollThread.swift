import Foundation
import Synchronization

/// A dedicated thread that calls a blocking poll function until stopped.
final class PollThread: Sendable {
    private let running = Mutex(true)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, poll: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while self.running.withLock({ $0 }) { poll() }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the current poll returns; call it from a blocking context only.
    func stop() {
        let wasRunning = running.withLock { running in
            defer { running = false }
            return running
        }
        if wasRunning { finished.wait() }
    }
}
