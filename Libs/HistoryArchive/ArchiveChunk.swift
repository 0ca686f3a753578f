import Compression
import Crypto
import Foundation
import NIOPosix

/// A run of one conversation's messages, in history order, as one object in the store:
/// JSON lines (one `ArchivedMessage` per line, keys sorted), gzip-compressed. The record
/// of the chunk (`ChunkRecord`) keeps the line count and the SHA-256 of the uncompressed
/// lines, so a chunk read back can be checked before MongoDB's copies are deleted.
public struct ArchiveChunk: Sendable, Equatable {
    public let messages: [ArchivedMessage]

    /// A decoded chunk larger than this is refused (the archiver writes at most a few MiB).
    public static let maxDecodedBytes = 256 * 1024 * 1024
    public static let contentType = "application/gzip"

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case corrupt(String)
        case mismatch(String)

        public var description: String {
            switch self {
            case .corrupt(let reason): "archived chunk is corrupt: \(reason)"
            case .mismatch(let reason): "archived chunk does not match its record: \(reason)"
            }
        }
    }

    public init(messages: [ArchivedMessage]) {
        self.messages = messages
    }

    /// The uncompressed lines.
    public func lines() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for message in messages {
            // Encoding plain strings and integers cannot fail.
            out.append(try! encoder.encode(message))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// What is stored: the compressed lines, and their count and checksum for the record.
    public func encoded() -> (object: Data, count: Int, sha256: String) {
        let plain = lines()
        return (Gzip.compress(plain), messages.count, Self.sha256(plain))
    }

    /// Reads a stored object, checking it against what its record says.
    public init(object: Data, expectedCount: Int, expectedSHA256: String) throws(Failure) {
        let plain: Data
        do {
            plain = try Gzip.decompress(object, maxBytes: Self.maxDecodedBytes)
        } catch {
            throw .corrupt("\(error)")
        }
        let digest = Self.sha256(plain)
        guard digest == expectedSHA256 else { throw .mismatch("checksum \(digest), expected \(expectedSHA256)") }
        let decoder = JSONDecoder()
        var messages: [ArchivedMessage] = []
        for line in plain.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let message = try? decoder.decode(ArchivedMessage.self, from: Data(line)) else {
                throw .corrupt("an undecodable line")
            }
            messages.append(message)
        }
        guard messages.count == expectedCount else { throw .mismatch("\(messages.count) messages, expected \(expectedCount)") }
        self.messages = messages
    }

    /// Inflating, hashing and decoding a chunk of 1,000 messages takes milliseconds: it runs on
    /// NIO's blocking pool, never on the event loop that serves requests.
    static func decodeOffLoop(_ object: Data, as record: ChunkRecord) async throws -> ArchiveChunk {
        try await NIOThreadPool.singleton.runIfActive {
            try ArchiveChunk(object: object, expectedCount: record.count, expectedSHA256: record.sha256)
        }
    }

    /// `encoded()` on NIO's blocking pool, for the same reason.
    func encodedOffLoop() async throws -> (object: Data, count: Int, sha256: String) {
        let messages = self.messages
        return try await NIOThreadPool.singleton.runIfActive { ArchiveChunk(messages: messages).encoded() }
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
