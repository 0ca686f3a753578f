import Foundation
import Synchronization

/// The order in which this gateway accepts messages, as a number: its clock in
/// microseconds since the epoch, raised by one where it would not grow (two messages
/// within one microsecond, or the clock stepping back). A message's `serverTimestamp` is
/// taken from the same number, so history, which orders by the timestamp and then by this,
/// lists one sender's messages as they were accepted, also within one millisecond.
final class AcceptSequence: Sendable {
    private let last = Mutex<UInt64>(0)

    func next(now: UInt64 = AcceptSequence.clockMicroseconds()) -> UInt64 {
        last.withLock { last in
            last = max(last + 1, now)
            return last
        }
    }

    static func clockMicroseconds() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1_000_000)
    }
}
