import Synchronization

/// The broker's answer for one enqueued record, awaitable any number of times. Named a
/// receipt, not a delivery: in this project "delivery" means handing a message to a
/// user's connection.
public final class ProduceReceipt: Sendable {
    private enum Waiter {
        case task(CheckedContinuation<RecordPosition, Error>)
        case callback(@Sendable (Result<RecordPosition, BrokerError>) -> Void)
    }

    private enum State {
        case pending([Waiter])
        case done(Result<RecordPosition, BrokerError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    /// Waits until the broker stored the record (or refused it).
    @discardableResult
    public func stored() async throws -> RecordPosition {
        try await withCheckedThrowingContinuation { continuation in
            if let result = addOrResult(.task(continuation)) { continuation.resume(with: result) }
        }
    }

    /// Calls `body` with the broker's answer: at once if it is in, else on the producer's
    /// event loop when the report comes. Costs no task and no thread hand-off, which
    /// for one small step after each record (a server ack, resolving a consumed record)
    /// is most of what awaiting `stored()` costs; `body` must be short and never block.
    public func whenDone(_ body: @escaping @Sendable (Result<RecordPosition, BrokerError>) -> Void) {
        if let result = addOrResult(.callback(body)) { body(result) }
    }

    private func addOrResult(_ waiter: Waiter) -> Result<RecordPosition, BrokerError>? {
        state.withLock { state in
            switch state {
            case .pending(var waiting):
                waiting.append(waiter)
                state = .pending(waiting)
                return nil
            case .done(let result):
                return result
            }
        }
    }

    func complete(_ result: Result<RecordPosition, BrokerError>) {
        let waiting: [Waiter] = state.withLock { state in
            guard case .pending(let waiting) = state else { return [] }
            state = .done(result)
            return waiting
        }
        for waiter in waiting {
            switch waiter {
            case .task(let continuation): continuation.resume(with: result.mapError { $0 })
            case .callback(let body): body(result)
            }
        }
    }
}
