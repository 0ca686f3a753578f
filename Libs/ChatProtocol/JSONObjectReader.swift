/// Typed access to one JSON object of a client frame. A `null` member counts as absent,
/// because clients serialise unset optionals as `null`. Errors name the member by its path
/// (`head.to`) so the error frame tells the client exactly what is wrong.
struct JSONObjectReader {
    let members: [String: JSONValue]
    /// The path of this object followed by a dot, or empty for the top level.
    let prefix: String

    init(_ members: [String: JSONValue], prefix: String = "") {
        self.members = members
        self.prefix = prefix
    }

    func value(_ key: String) -> JSONValue? {
        switch members[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func string(_ key: String) throws(ProtocolError) -> String? {
        switch value(key) {
        case nil: return nil
        case .string(let text)?: return text
        case _?: throw .wrongType(field: prefix + key, expected: "a string")
        }
    }

    /// An empty string is as good as missing: no id or address may be empty.
    func requiredString(_ key: String) throws(ProtocolError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw .missingField(prefix + key) }
        return text
    }

    func bool(_ key: String) throws(ProtocolError) -> Bool? {
        switch value(key) {
        case nil: return nil
        case .bool(let flag)?: return flag
        case _?: throw .wrongType(field: prefix + key, expected: "a boolean")
        }
    }

    func object(_ key: String) throws(ProtocolError) -> [String: JSONValue]? {
        switch value(key) {
        case nil: return nil
        case .object(let members)?: return members
        case _?: throw .wrongType(field: prefix + key, expected: "an object")
        }
    }
}
