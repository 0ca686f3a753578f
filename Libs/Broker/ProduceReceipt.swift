import Synchronization

/// The broker's answer for one enqueued record, awaitable any number of times. Named a
/// receipt, not a delivery: in this project "delivery" means handing a message to a
/// user's connection.
public final class ProduceReceipt: Sendable {
    private enum State {
        case pending([CheckedContinuation<RecordPosition, Error>])
        case done(Result<RecordPosition, BrokerError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    /// Waits until the broker stored the record (or refused it).
    @discardableResult
    public func stored() async throws -> RecordPosition {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<RecordPosition, BrokerError>? = state.withLock { state in
                switch state {
                case .pending(var waiting):
                    waiting.append(continuation)
                    state = .pending(waiting)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    func complete(_ result: Result<RecordPosition, BrokerError>) {
        let waiting: [CheckedContinuation<RecordPosition, Error>] = state.withLock { state in
            guard case .pending(let waiting) = state else { return [] }
            state = .done(result)
            return waiting
        }
        for continuation in waiting { continuation.resume(with: result.mapError { $0 }) }
    }
}
