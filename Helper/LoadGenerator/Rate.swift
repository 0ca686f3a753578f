/// Events per second over a measured duration, for reports.
enum Rate {
    static func perSecond(_ count: Int, _ duration: Duration) -> Int {
        let seconds = duration.seconds
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
