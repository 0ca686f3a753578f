/// Why an object store call failed, sorted by what the caller can do about it.
public enum ObjectStoreError: Error, Equatable, CustomStringConvertible {
    /// No such object (or bucket): a 404.
    case notFound(String)
    /// The store refused the credentials or the signature: a 403, with S3's error code
    /// (`AccessDenied`, `SignatureDoesNotMatch`, ...).
    case accessDenied(code: String, message: String)
    /// The store could not be reached or did not answer in time (connection refused, timeout,
    /// a 502/503/504): worth retrying later; services answer 503.
    case unavailable(String)
    /// An object larger than the caller's limit.
    case tooLarge(limit: Int)
    /// Any other answer: its status and S3's error code and message when the body had them.
    case failed(status: Int, code: String?, message: String?)

    public var description: String {
        switch self {
        case .notFound(let what): "object store: \(what) not found"
        case .accessDenied(let code, let message): "object store: access denied (\(code): \(message))"
        case .unavailable(let reason): "object store unavailable: \(reason)"
        case .tooLarge(let limit): "object store: object larger than \(limit) bytes"
        case .failed(let status, let code, let message):
            "object store: status \(status)\(code.map { " \($0)" } ?? "")\(message.map { ": \($0)" } ?? "")"
        }
    }

    /// The error an answer with `status` and XML `body` means (S3's `<Error>` document).
    static func from(status: Int, body: String, resource: String) -> ObjectStoreError {
        let error = S3XML.elements("Error", in: Substring(body)).first ?? Substring(body)
        let code = S3XML.value("Code", in: error)
        let message = S3XML.value("Message", in: error)
        switch status {
        case 404: return .notFound(resource)
        case 403: return .accessDenied(code: code ?? "AccessDenied", message: message ?? "")
        case 502, 503, 504: return .unavailable("status \(status)\(code.map { " \($0)" } ?? "")")
        default: return .failed(status: status, code: code, message: message)
        }
    }
}
