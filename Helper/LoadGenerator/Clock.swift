import Foundation

/// Wall-clock microseconds: sender and recipient are in this one process, so send times
/// carried in messages compare directly with receive times.
enum Clock {
    static func microseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
    }
}
