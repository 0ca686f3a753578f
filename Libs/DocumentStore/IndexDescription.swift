/// One index of a collection, as `listIndexes()` reports it.
public struct IndexDescription: Sendable, Equatable {
    public var name: String
    /// The key pattern in order, e.g. `["conversation": 1, "time": -1]`.
    public var keys: Document
    public var isUnique: Bool
    /// Set for TTL indexes: documents expire this many seconds after their indexed date.
    public var expireAfterSeconds: Int?

    init(_ document: Document) {
        name = document["name"]?.stringValue ?? ""
        keys = document["key"]?.documentValue ?? [:]
        isUnique = document["unique"]?.boolValue ?? false
        expireAfterSeconds = document["expireAfterSeconds"]?.intValue
    }

    /// The name the server would give: each key and its direction joined by "_",
    /// e.g. `conversation_1_time_-1`.
    static func defaultName(for keys: Document) -> String {
        keys.map { key, direction in
            "\(key)_\(direction.intValue.map(String.init) ?? direction.stringValue ?? "1")"
        }
        .joined(separator: "_")
    }
}
