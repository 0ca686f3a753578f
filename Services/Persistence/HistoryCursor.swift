import Foundation

/// A position in a listing of the history (messages or conversations): the sort key of the
/// last item listed, the time and then the document id, so items with equal timestamps are
/// never skipped or repeated across pages.
///
/// Clients get it as `next` and send it back as `before` or `after`: `<epoch ms>.<id as
/// base64url>`, opaque and safe in a URL.
struct HistoryCursor: Sendable, Equatable, LosslessStringConvertible {
    let at: Int64
    let id: String

    init(at: Int64, id: String) {
        self.at = at
        self.id = id
    }

    init?(_ description: String) {
        let parts = description.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let at = Int64(parts[0]), at >= 0, let id = Self.decode(parts[1]) else { return nil }
        self.init(at: at, id: id)
    }

    var description: String {
        let id = Data(id.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "\(at).\(id)"
    }

    private static func decode(_ text: Substring) -> String? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
