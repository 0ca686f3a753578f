import Foundation
import Hummingbird

/// Reads a JSON request body into a `Decodable` type; anything wrong becomes a 400 that
/// says what (not valid JSON, which field has the wrong type, which is missing).
public enum RequestJSON {
    /// - Parameters:
    ///   - limit: larger bodies are refused with 413.
    ///   - emptyAs: the JSON an empty body stands for; nil refuses an empty body.
    public static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, limit: Int, emptyAs: String? = nil
    ) async throws -> T {
        let buffer = try await request.body.collect(upTo: limit)
        var data = Data(buffer: buffer)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard let emptyAs else { throw APIError(.badRequest, "the body must be a JSON object") }
            data = Data(emptyAs.utf8)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, reason(error, body: data))
        }
    }

    private static func reason(_ error: DecodingError, body: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.reduce(into: "") { path, key in
                if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
        }
        switch error {
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            return "\(path(context)) must be \(describe(type))"
        case .typeMismatch:
            return "the body must be a JSON object"
        case .valueNotFound(_, let context):
            return "\(path(context)) must not be null"
        case .keyNotFound(let key, _):
            return "\(key.stringValue) is required"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "the body is not valid JSON" + (syntaxError(in: body).map { ": \($0)" } ?? "")
        case .dataCorrupted(let context):
            return "\(path(context)) is invalid"
        @unknown default:
            return "the body cannot be read"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is [String].Type: "an array of strings"
        case is Float.Type, is Double.Type, is Int.Type: "a number"
        default: "of another type"
        }
    }

    /// JSONDecoder only says the JSON is invalid; JSONSerialization also says where
    /// ("Invalid value around character 1."), which helps whoever wrote the client.
    private static func syntaxError(in body: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: body, options: .fragmentsAllowed)
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }
}
