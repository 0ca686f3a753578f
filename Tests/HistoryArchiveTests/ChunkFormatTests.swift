import Compression
import Foundation
import HistoryArchive
import Testing

/// The pieces of a chunk that need no servers: gzip, the line format and its checks, the
/// order of positions and the key layout.
struct ChunkFormatTests {
    static func message(_ index: Int, conversation: String = "u:alice\u{1F}bob", readers: [String] = ["alice", "bob"]) -> ArchivedMessage {
        ArchivedMessage(
            documentId: "\(conversation)\u{1F}m\(index)", conversation: conversation, messageId: "m\(index)", source: "alice",
            at: 1_700_000_000_000 + Int64(index / 3), seq: 1_700_000_000_000_000 + Int64(index), readers: readers,
            message: Data("message \(index) é".utf8).base64EncodedString())
    }

    @Test func gzipRoundTripsAndRefusesWhatIsNotGzip() throws {
        let text = Data(String(repeating: "history line with some repetition\n", count: 2000).utf8)
        let compressed = Gzip.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(compressed.prefix(2) == Data([0x1f, 0x8b]), "a gzip header")
        #expect(try Gzip.decompress(compressed, maxBytes: text.count) == text)
        #expect(throws: Gzip.Failure.tooLarge(limit: 100)) { try Gzip.decompress(compressed, maxBytes: 100) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed.prefix(compressed.count / 2), maxBytes: text.count) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("plain text".utf8), maxBytes: 1000) }
        #expect(try Gzip.decompress(Gzip.compress(Data()), maxBytes: 10) == Data())
    }

    @Test func aChunkReadsBackAsWrittenAndChecksItsRecord() throws {
        let messages = (0..<50).map { Self.message($0) }
        let (object, count, sha256) = ArchiveChunk(messages: messages).encoded()
        #expect(count == 50)
        #expect(sha256.count == 64)
        let read = try ArchiveChunk(object: object, expectedCount: count, expectedSHA256: sha256)
        #expect(read.messages == messages)

        let lines = String(decoding: ArchiveChunk(messages: messages).lines(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 50)
        #expect(lines[0].hasPrefix(#"{"_id":"#), "one JSON object per line, keys sorted")

        #expect(throws: ArchiveChunk.Failure.self) { try ArchiveChunk(object: object, expectedCount: 49, expectedSHA256: sha256) }
        #expect(throws: ArchiveChunk.Failure.self) {
            try ArchiveChunk(object: object, expectedCount: count, expectedSHA256: String(repeating: "0", count: 64))
        }
        var damaged = object
        damaged[damaged.count / 2] ^= 0xff
        #expect(throws: ArchiveChunk.Failure.self) { try ArchiveChunk(object: damaged, expectedCount: count, expectedSHA256: sha256) }
    }

    @Test func positionsOrderByTimeThenSequenceThenIdBytes() {
        let base = HistoryPosition(at: 10, seq: 5, id: "b")
        #expect(HistoryPosition(at: 9, seq: 99, id: "z") < base)
        #expect(HistoryPosition(at: 10, seq: 4, id: "z") < base)
        #expect(HistoryPosition(at: 10, seq: 5, id: "a") < base)
        #expect(!(base < base))
        // As MongoDB compares strings: by UTF-8 bytes ("Z" 0x5A before "a" 0x61, "é" after both).
        #expect(HistoryPosition(at: 1, seq: 1, id: "Z") < HistoryPosition(at: 1, seq: 1, id: "a"))
        #expect(HistoryPosition(at: 1, seq: 1, id: "z") < HistoryPosition(at: 1, seq: 1, id: "é"))
    }

    @Test func keysNameTheConversationByHashAndTheMonth() {
        let first = HistoryPosition(at: 1_796_605_323_000, seq: 7, id: "x")  // 2026-12-07
        let key = ChunkKey.make(conversation: "u:alice\u{1F}bob", first: first, random: 0xabc)
        #expect(key == "history/v1/\(ChunkKey.conversationHash("u:alice\u{1F}bob"))/2026/12/1796605323000-7-0000000000000abc.jsonl.gz")
        #expect(ChunkKey.conversationHash("u:alice\u{1F}bob").count == 32)
        #expect(ChunkKey.conversationHash("g:team") != ChunkKey.conversationHash("u:alice\u{1F}bob"))
        #expect(key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/-._".contains($0)) })
    }
}
