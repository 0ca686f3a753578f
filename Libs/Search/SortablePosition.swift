/// A message's place in history order (time, accept sequence, document id) as one string
/// whose text order is that order: a single indexed field to sort and compare on, where
/// the three fields would need an `$or` per cursor.
public enum SortablePosition {
    public static func text(at: Int64, seq: Int64, id: String) -> String {
        padded(max(0, at), to: 13) + "." + padded(max(0, seq), to: 20) + "." + id
    }

    private static func padded(_ number: Int64, to width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
