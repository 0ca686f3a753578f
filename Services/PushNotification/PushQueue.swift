import Broker
import ChatProtocol
import ServiceLifecycle

/// Collapses each user's bursts into one push: the first message for a user opens a
/// window, everything for that user arriving before it closes goes out together, as one
/// push per device. A late ack within the window takes its message out again. Records
/// are resolved once their push went out (or was found unnecessary).
final class PushQueue: Service, Sendable {
    enum Input: Sendable {
        case message(recipient: String, ChatMessage, ConsumedMessage)
        case acknowledged(recipient: String, id: String)
        case windowEnded(recipient: String, burst: Int)
    }

    private struct Burst: Sendable {
        let number: Int
        var messages: [ChatMessage] = []
        var records: [ConsumedMessage] = []

        mutating func add(_ message: ChatMessage, record: ConsumedMessage) {
            records.append(record)
            // Replays and duplicates share the id: one push shows the message once.
            if !messages.contains(where: { $0.id == message.id && $0.source == message.source }) {
                messages.append(message)
            }
        }
    }

    private let inputs: AsyncStream<Input>
    private let continuation: AsyncStream<Input>.Continuation
    private let window: Duration
    private let dispatcher: PushDispatcher
    private let resolve: @Sendable (ConsumedMessage) -> Void

    init(window: Duration, dispatcher: PushDispatcher, resolve: @escaping @Sendable (ConsumedMessage) -> Void) {
        (inputs, continuation) = AsyncStream<Input>.makeStream()
        self.window = window
        self.dispatcher = dispatcher
        self.resolve = resolve
    }

    func submit(_ input: Input) {
        continuation.yield(input)
    }

    /// Gathers until shutdown, then sends what is still gathered at once.
    func run() async {
        await withGracefulShutdownHandler {
            await gather()
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
    }

    private func gather() async {
        await withDiscardingTaskGroup { deliveries in
            var bursts: [String: Burst] = [:]
            var opened = 0
            await withDiscardingTaskGroup { timers in
                for await input in inputs {
                    switch input {
                    case .message(let recipient, let message, let record):
                        if bursts[recipient] == nil {
                            opened += 1
                            bursts[recipient] = Burst(number: opened)
                            timers.addTask { [window, continuation, opened] in
                                try? await Task.sleep(for: window)
                                continuation.yield(.windowEnded(recipient: recipient, burst: opened))
                            }
                        }
                        bursts[recipient]?.add(message, record: record)
                    case .acknowledged(let recipient, let id):
                        bursts[recipient]?.messages.removeAll { $0.id == id }
                    case .windowEnded(let recipient, let number):
                        guard bursts[recipient]?.number == number, let burst = bursts.removeValue(forKey: recipient) else {
                            continue
                        }
                        deliveries.addTask { await self.deliver(burst, to: recipient) }
                    }
                }
                // Shutting down: the open windows need not run out.
                timers.cancelAll()
            }
            for (recipient, burst) in bursts {
                deliveries.addTask { await self.deliver(burst, to: recipient) }
            }
        }
    }

    private func deliver(_ burst: Burst, to recipient: String) async {
        guard await dispatcher.deliver(burst.messages, to: recipient) else { return }
        burst.records.forEach(resolve)
    }
}
