import Foundation
import Synchronization

/// Sends the wake-up queries of busy pacing's resumes off the poll thread. Such a query
/// (ListOffsets for partitions whose next offset is unknown, see
/// `FetchControl.wakeFetcher`) is there only to reach the broker thread; its answer does
/// not matter. Waiting for it on the poll thread cost a broker round trip on every paced
/// round. One runs at a time: while one is out, it wakes the broker thread anyway.
final class BackgroundWakeUps: Sendable {
    private let inFlight = Mutex(false)

    /// Runs `query` on a thread of its own unless one is still running.
    func send(_ query: @escaping @Sendable () -> Void) {
        let start = inFlight.withLock { busy in
            defer { busy = true }
            return !busy
        }
        guard start else { return }
        let thread = Thread { [self] in
            query()
            inFlight.withLock { $0 = false }
        }
        thread.name = "broker-wake"
        thread.start()
    }

    /// Blocks until no query runs (each gives up after its own timeout), so the client
    /// handle can be destroyed under none.
    func waitUntilIdle() {
        while inFlight.withLock({ $0 }) { usleep(1_000) }
    }
}
