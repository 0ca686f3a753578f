import Foundation

/// The server time (epoch ms) before which a message is past `retention` at `now`.
enum RetentionCutoff {
    static func milliseconds(_ retention: Duration, now: Date) -> Int64 {
        Int64(((now.timeIntervalSince1970 - TimeInterval(retention.components.seconds)) * 1000).rounded())
    }
}
