/// Why a frame or event could not be decoded. `description` is written for the client: the
/// gateway puts it in the error frame, and services put it in dead-letter records.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not JSON at all, or not the expected JSON shape at the top level.
    case malformedJSON(String)
    case missingField(String)
    case wrongType(field: String, expected: String)
    /// The right type, but not one of the accepted values (e.g. an unknown channel name).
    case invalidValue(field: String, value: String)
    /// The frame names a sender other than the authenticated user.
    case spoofedSender(claimed: String)
    case invalidProtobuf(String)
    /// A frame over the size limit; raised by the gateway, which knows the limit.
    case tooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .malformedJSON(let reason):
            "malformed JSON: \(reason)"
        case .missingField(let field):
            "missing field '\(field)'"
        case .wrongType(let field, let expected):
            "field '\(field)' must be \(expected)"
        case .invalidValue(let field, let value):
            "field '\(field)' has an unsupported value '\(value)'"
        case .spoofedSender(let claimed):
            "sender '\(claimed)' is not the authenticated user"
        case .invalidProtobuf(let reason):
            "invalid protobuf message: \(reason)"
        case .tooLarge(let size, let limit):
            "message of \(size) bytes exceeds the limit of \(limit) bytes"
        }
    }

    /// The HTTP-style code for the error frame body and for REST answers.
    public var statusCode: Int {
        switch self {
        case .spoofedSender: 403
        case .tooLarge: 413
        default: 400
        }
    }
}
