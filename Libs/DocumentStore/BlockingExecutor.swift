import Dispatch
import Foundation
import Synchronization

/// A fixed set of threads that run blocking libmongoc calls.
///
/// Blocking calls must stay off Swift's cooperative pool (about one thread per core, so a few
/// slow queries would stall every task in the process) and off event loops. Jobs queue here
/// in arrival order; each of `threadCount` threads runs one job at a time, so at most
/// `threadCount` clients are ever popped from the pool.
final class BlockingExecutor: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        /// A two-stack FIFO queue: push onto `incoming`, pop from `outgoing`.
        var incoming: [Job] = []
        var outgoing: [Job] = []
        var isShuttingDown = false
        var runningThreads: Int
        var isStopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []

        mutating func popJob() -> Job? {
            if outgoing.isEmpty {
                outgoing = incoming.reversed()
                incoming.removeAll(keepingCapacity: true)
            }
            return outgoing.popLast()
        }
    }

    private let state: Mutex<State>
    /// Signalled once per queued job and once per thread at shutdown, so every wake-up of a
    /// thread finds either a job or the shutdown flag.
    private let wakeups = DispatchSemaphore(value: 0)
    private let threadCount: Int
    private let onStopped: @Sendable () -> Void

    /// `onStopped` runs on the last thread to finish, after every queued job has run.
    init(threadCount: Int, name: String, onStopped: @escaping @Sendable () -> Void) {
        precondition(threadCount > 0, "a BlockingExecutor needs at least one thread")
        self.threadCount = threadCount
        self.onStopped = onStopped
        state = Mutex(State(runningThreads: threadCount))
        for index in 0..<threadCount {
            let thread = Thread { [self] in runWorker() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues `job`; returns false, without running it, once shutdown has begun.
    func submit(_ job: @escaping Job) -> Bool {
        let accepted = state.withLock { state in
            guard !state.isShuttingDown else { return false }
            state.incoming.append(job)
            return true
        }
        if accepted {
            wakeups.signal()
        }
        return accepted
    }

    /// Refuses new jobs; queued ones still run. Returns at once.
    func beginShutdown() {
        let isFirstCall = state.withLock { state in
            defer { state.isShuttingDown = true }
            return !state.isShuttingDown
        }
        if isFirstCall {
            for _ in 0..<threadCount {
                wakeups.signal()
            }
        }
    }

    /// Refuses new jobs and returns once every queued job has run and `onStopped` finished.
    func shutdown() async {
        beginShutdown()
        await withCheckedContinuation { continuation in
            let isStopped = state.withLock { state in
                if !state.isStopped {
                    state.stopWaiters.append(continuation)
                }
                return state.isStopped
            }
            if isStopped {
                continuation.resume()
            }
        }
    }

    private enum Step {
        case run(Job)
        case exit(isLastThread: Bool)
    }

    private func runWorker() {
        while true {
            wakeups.wait()
            let step = state.withLock { state -> Step in
                if let job = state.popJob() {
                    return .run(job)
                }
                // The semaphore count guarantees an empty queue here only after shutdown.
                state.runningThreads -= 1
                return .exit(isLastThread: state.runningThreads == 0)
            }
            switch step {
            case .run(let job):
                job()
            case .exit(let isLastThread):
                if isLastThread {
                    finish()
                }
                return
            }
        }
    }

    private func finish() {
        onStopped()
        let waiters = state.withLock { state in
            state.isStopped = true
            defer { state.stopWaiters = [] }
            return state.stopWaiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }
}
