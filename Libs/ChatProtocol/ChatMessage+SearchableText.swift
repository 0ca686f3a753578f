import Foundation

extension ChatMessage {
    /// What a search looks at: the body's `text`, and an attachment's file `name`; nil for
    /// a message with neither (receipts, server frames).
    public var searchableText: String? {
        guard !content.isEmpty, case .object(let body)? = try? JSONParser.parse(content) else { return nil }
        let parts = ["text", "name"].compactMap { key -> String? in
            guard case .string(let value)? = body[key], !value.isEmpty else { return nil }
            return value
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
