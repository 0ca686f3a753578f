import Foundation

// librdkafka takes timeouts and intervals as whole milliseconds. Converting through
// `components.seconds` alone dropped the sub-second part (1.5 s became 1 s, 500 ms became
// no wait at all), so every conversion goes through here.
extension Duration {
    /// Whole milliseconds, rounded down, sub-second parts kept.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole microseconds, rounded down.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// `milliseconds` for librdkafka's `int` timeout parameters: never negative, clamped to `Int32`.
    var timeoutMilliseconds: Int32 {
        Int32(clamping: max(0, milliseconds))
    }

    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
