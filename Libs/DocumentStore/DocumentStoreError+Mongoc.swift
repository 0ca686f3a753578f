import CMongoC

extension DocumentStoreError {
    private static let duplicateKeyCodes: Set<UInt32> = [11000, 11001]

    /// Classifies a libmongoc error. The client pool uses error API version 2, under which
    /// every error the server sent, write errors included, has the domain MONGOC_ERROR_SERVER.
    init(_ error: bson_error_t) {
        let message = Self.message(of: error)
        switch error.domain {
        case MONGOC_ERROR_SERVER.rawValue, MONGOC_ERROR_WRITE_CONCERN.rawValue:
            if Self.duplicateKeyCodes.contains(error.code) {
                self = .duplicateKey(message)
            } else {
                self = .server(code: Int(error.code), message: message)
            }
        case MONGOC_ERROR_STREAM.rawValue, MONGOC_ERROR_SERVER_SELECTION.rawValue,
            MONGOC_ERROR_PROTOCOL.rawValue:
            self = .connection(message)
        default:
            self = .driver(domain: Int(error.domain), code: Int(error.code), message: message)
        }
    }

    static func message(of error: bson_error_t) -> String {
        withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
