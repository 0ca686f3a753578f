// Renders a document as plain JSON for JSONDecoder. Unlike libbson's extended JSON it writes
// datetimes as epoch milliseconds and ObjectIds as hex strings, so Codable types can use
// `Date` and `String` for them without knowing about `{"$date": ...}` wrappers.

extension Document {
    func jsonForDecoding() throws -> String {
        var output = ""
        try BSONValue.document(self).writeJSON(to: &output, path: "")
        return output
    }
}

extension BSONValue {
    fileprivate func writeJSON(to output: inout String, path: String) throws {
        switch self {
        case .string(let value), .objectID(let value):
            Self.writeString(value, to: &output)
        case .int32(let value):
            output += String(value)
        case .int64(let value), .date(let value):
            output += String(value)
        case .double(let value):
            output += try Self.jsonNumber(value, path: path)
        case .bool(let value):
            output += value ? "true" : "false"
        case .null:
            output += "null"
        case .document(let document):
            output += "{"
            for (index, (key, value)) in document.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                try value.writeJSON(to: &output, path: path.isEmpty ? key : "\(path).\(key)")
            }
            output += "}"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                try element.writeJSON(to: &output, path: "\(path).\(index)")
            }
            output += "]"
        }
    }

    /// Whole doubles are written without a fraction because JSONDecoder refuses `3.0` for an
    /// `Int` property, and the server turns integers into doubles in some updates (`$inc` by
    /// a double, arithmetic in pipelines).
    private static func jsonNumber(_ value: Double, path: String) throws -> String {
        guard value.isFinite else {
            throw DocumentStoreError.decoding("\(path) holds \(value), which JSON cannot carry")
        }
        if value == value.rounded(), let whole = Int64(exactly: value), abs(whole) < 1 << 53 {
            return String(whole)
        }
        return String(value)
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
