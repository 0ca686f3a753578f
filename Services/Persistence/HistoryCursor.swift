import Foundation

/// A position in a listing of the history (messages or conversations): the sort key of the
/// last item listed, so items with equal timestamps are never skipped or repeated across
/// pages. For messages: the time, the gateway's accept sequence (`seq`) and the document
/// id; for conversations: the time and the conversation.
///
/// Clients get it as `next` and send it back as `before` or `after`: `<epoch ms>.<seq>.<id
/// as base64url>`, or `<epoch ms>.<id as base64url>` without a sequence (conversations, and
/// message cursors made before messages carried one: the store then looks the sequence up).
/// Opaque and safe in a URL.
struct HistoryCursor: Sendable, Equatable, LosslessStringConvertible {
    let at: Int64
    let seq: Int64?
    let id: String

    init(at: Int64, seq: Int64? = nil, id: String) {
        self.at = at
        self.seq = seq
        self.id = id
    }

    init?(_ description: String) {
        let parts = description.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let at = Int64(parts[0]), at >= 0 else { return nil }
        if parts.count == 3 {
            guard let seq = Int64(parts[1]), seq >= 0, let id = Self.decode(parts[2]) else { return nil }
            self.init(at: at, seq: seq, id: id)
        } else {
            guard let id = Self.decode(parts[1]) else { return nil }
            self.init(at: at, id: id)
        }
    }

    var description: String {
        let id = Self.encode(id)
        return seq.map { "\(at).\($0).\(id)" } ?? "\(at).\(id)"
    }

    /// Any text as unpadded base64url: safe in a URL, undone by `decode`.
    static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> String? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
