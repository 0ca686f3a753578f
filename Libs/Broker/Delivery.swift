import Synchronization

/// The broker's answer for one enqueued record, awaitable any number of times.
public final class Delivery: Sendable {
    private enum State {
        case pending([CheckedContinuation<DeliveryReport, Error>])
        case done(Result<DeliveryReport, BrokerError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    /// Waits until the broker stored the record (or refused it).
    @discardableResult
    public func report() async throws -> DeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<DeliveryReport, BrokerError>? = state.withLock { state in
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

    func complete(_ result: Result<DeliveryReport, BrokerError>) {
        let waiting: [CheckedContinuation<DeliveryReport, Error>] = state.withLock { state in
            guard case .pending(let waiting) = state else { return [] }
            state = .done(result)
            return waiting
        }
        for continuation in waiting { continuation.resume(with: result.mapError { $0 }) }
    }
}
