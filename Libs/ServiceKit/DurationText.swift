/// Durations as operators write them in flags: `900` (seconds), `900s`, `15m`, `24h`, `7d`.
public enum DurationText {
    /// nil for anything else, negative numbers and values that overflow.
    public static func parse(_ text: String) -> Duration? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var number = Substring(text)
        var unit: Int64 = 1
        if let last = number.last, let seconds = units[last] {
            unit = seconds
            number = number.dropLast()
        }
        guard let value = Int64(number), value >= 0, value <= Int64.max / unit / 1_000 else { return nil }
        return .seconds(value * unit)
    }
}
