import Foundation

/// The file extensions media-ms accepts and the content type each is stored with. An upload
/// URL signs that content type, so the store refuses a PUT that claims another.
struct MediaTypes: Sendable, Equatable {
    let byExtension: [String: String]

    /// Images, audio, video, PDF, plain text and common office files.
    static let defaults = MediaTypes(byExtension: [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp",
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "ogg": "audio/ogg", "opus": "audio/opus",
        "wav": "audio/wav", "amr": "audio/amr",
        "mp4": "video/mp4", "m4v": "video/x-m4v", "mov": "video/quicktime", "webm": "video/webm", "3gp": "video/3gpp",
        "mkv": "video/x-matroska",
        "pdf": "application/pdf", "txt": "text/plain",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation", "csv": "text/csv", "rtf": "application/rtf",
    ])

    /// `ext=type,ext=type,...` (what `--allowed-types` takes); nil when an entry is malformed.
    init?(parsing list: String) {
        var map: [String: String] = [:]
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let ext = Self.normalized(parts[0]), Self.isContentType(parts[1]) else { return nil }
            map[ext] = parts[1].lowercased()
        }
        guard !map.isEmpty else { return nil }
        byExtension = map
    }

    init(byExtension: [String: String]) {
        self.byExtension = byExtension
    }

    /// The content type of `ext` (`jpg`, `.JPG`), or nil when it is not allowed.
    func contentType(of ext: String) -> String? {
        Self.normalized(ext).flatMap { byExtension[$0] }
    }

    /// Lower case without a leading dot: apps send `.png` (the original server's examples) or `png`.
    static func normalized(_ ext: String) -> String? {
        var text = ext.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasPrefix(".") { text.removeFirst() }
        guard (1...10).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return text
    }

    /// Whether a stored object's content type is `expected`, parameters (`; charset=...`) and case aside.
    static func matches(_ stored: String?, _ expected: String) -> Bool {
        guard let stored else { return false }
        let mediaType = stored.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return mediaType.lowercased() == expected.lowercased()
    }

    private static func isContentType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_")
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { allowed.contains($0) } }
    }
}
