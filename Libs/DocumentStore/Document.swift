/// An ordered BSON document.
///
/// Order is kept because the server gives it meaning: `["time": -1, "_id": 1]` as a sort or
/// index key is not the same as `["_id": 1, "time": -1]`. A dictionary literal keeps the order
/// it was written in; setting a key that exists replaces its value in place.
public struct Document: Sendable, Hashable {
    public private(set) var keys: [String]
    public private(set) var values: [BSONValue]

    public init() {
        keys = []
        values = []
    }

    public init<S: Sequence>(_ elements: S) where S.Element == (String, BSONValue) {
        self.init()
        for (key, value) in elements {
            self[key] = value
        }
    }

    /// Builds a document from fields already known to have distinct keys, as the server sends.
    init(uniqueKeys keys: [String], values: [BSONValue]) {
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; assigning `nil` removes the field.
    public subscript(key: String) -> BSONValue? {
        get {
            keys.firstIndex(of: key).map { values[$0] }
        }
        set {
            let index = keys.firstIndex(of: key)
            switch (index, newValue) {
            case (let index?, let value?):
                values[index] = value
            case (let index?, nil):
                keys.remove(at: index)
                values.remove(at: index)
            case (nil, let value?):
                keys.append(key)
                values.append(value)
            case (nil, nil):
                break
            }
        }
    }
}

extension Document: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.init(elements)
    }
}

extension Document: Sequence {
    public func makeIterator() -> Zip2Sequence<[String], [BSONValue]>.Iterator {
        zip(keys, values).makeIterator()
    }
}
