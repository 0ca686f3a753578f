/// A refused group change, with the HTTP status the public API answers it with.
public struct GroupEditError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong (limits, empty names): 400.
        case invalid
        /// The caller may not do this (not an admin): 403.
        case forbidden
        /// No such group, or the caller is not in it (a non-member cannot learn it exists): 404.
        case notFound
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var statusCode: Int {
        switch kind {
        case .invalid: 400
        case .forbidden: 403
        case .notFound: 404
        }
    }

    public var description: String { reason }
}
