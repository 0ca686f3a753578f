/// File ids and the object keys they are stored under.
enum MediaKeys {
    /// 128 random bits from the system's generator, as 32 lower-case hex digits: a download
    /// URL is handed to anyone who asks with the id, so the id itself must be unguessable.
    static func newFileId() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var id = ""
        id.reserveCapacity(32)
        for _ in 0..<2 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                id.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return id
    }

    /// Whether `id` has the shape `newFileId` gives (anything else cannot be a file).
    static func isFileId(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `PREFIX/CATEGORY/FILEID.EXT`: the extension lets whoever lists the bucket see what it holds.
    static func objectKey(prefix: String, category: String, fileId: String, ext: String) -> String {
        "\(prefix)/\(category)/\(fileId).\(ext)"
    }

    /// Categories and the key prefix: 1-64 of `a-z A-Z 0-9 - _`, so a key never holds `/`,
    /// `..` or anything a URL must escape.
    static func isValidSegment(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95
            }
    }
}
