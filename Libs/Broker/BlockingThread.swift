import Foundation

/// Runs blocking librdkafka calls on a thread of their own, never on the Swift
/// cooperative pool or an event loop.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.start()
        }
    }
}
