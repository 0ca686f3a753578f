import Crypto
import Foundation

/// Where a chunk lives in the bucket:
/// `history/v1/<conversation hash>/<yyyy>/<mm>/<first at>-<first seq>-<random>.jsonl.gz`.
///
/// - The conversation is hashed (SHA-256, first 32 hex digits) because its stored key holds
///   usernames and a control character, which do not belong in object keys; every chunk of a
///   conversation shares the prefix, so an operator can list or remove one conversation.
/// - Year and month of the first message group chunks by age for lifecycle rules.
/// - The random part keeps two archivers that raced on the same messages from overwriting
///   each other's chunk; readers drop the repeated messages by id.
public enum ChunkKey {
    public static let prefix = "history/v1/"

    public static func make(conversation: String, first: HistoryPosition, random: UInt64 = .random(in: 0...UInt64.max)) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(first.at) / 1000)
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let year = String(format: "%04d", parts.year ?? 1970)
        let month = String(format: "%02d", parts.month ?? 1)
        return prefix + conversationHash(conversation) + "/\(year)/\(month)/\(first.at)-\(first.seq)-"
            + String(format: "%016llx", random) + ".jsonl.gz"
    }

    public static func conversationHash(_ conversation: String) -> String {
        String(SHA256.hash(data: Data(conversation.utf8)).map { String(format: "%02x", $0) }.joined().prefix(32))
    }
}
