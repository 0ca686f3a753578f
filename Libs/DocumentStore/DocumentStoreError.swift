/// Every error the document store throws.
public enum DocumentStoreError: Error, Sendable, Equatable {
    /// The connection string could not be parsed.
    case invalidURI(String)
    /// No server could be reached or selected, or a connection broke mid-operation.
    case connection(String)
    /// A write violated a unique index (server codes 11000/11001). Callers that use a unique
    /// index for idempotency treat this as "already done".
    case duplicateKey(String)
    /// Any other error the server reported, with its numeric code.
    case server(code: Int, message: String)
    /// An error raised inside libmongoc itself, such as an invalid option.
    case driver(domain: Int, code: Int, message: String)
    /// A document could not be turned into BSON (an unsupported value, a bad ObjectId, a key
    /// containing NUL, a value that does not encode to a JSON object).
    case invalidDocument(String)
    /// A stored document could not be decoded into the requested type; the message says why.
    case decoding(String)
    /// The store was closed before the operation started.
    case closed

    public var isDuplicateKey: Bool {
        if case .duplicateKey = self { return true }
        return false
    }
}

extension DocumentStoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidURI(let message): return "invalid MongoDB URI: \(message)"
        case .connection(let message): return "connection error: \(message)"
        case .duplicateKey(let message): return "duplicate key: \(message)"
        case .server(let code, let message): return "server error \(code): \(message)"
        case .driver(let domain, let code, let message): return "driver error \(domain).\(code): \(message)"
        case .invalidDocument(let message): return "invalid document: \(message)"
        case .decoding(let message): return "decoding failed: \(message)"
        case .closed: return "document store is closed"
        }
    }
}
