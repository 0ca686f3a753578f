/// One page of a conversation's history from MongoDB and the archive together, in history
/// order, each message once.
///
/// MongoDB answers first (the caller's query, `limit + 1` messages past the cursor); then
/// the chunks that reach past the cursor are read in the order the page meets them, and
/// only while one could still hold a message that belongs on the page. A chunk is read at
/// most once per page (and usually comes from the reader's cache on the next page).
/// A message found in both, which happens between the archiver's write and its delete, or
/// after two archivers raced, is kept once.
public struct HistoryReadThrough: Sendable {
    public let index: ChunkIndex
    public let reader: ChunkReader
    /// Chunk records fetched per query while walking back.
    static let recordsPerQuery = 16

    public init(index: ChunkIndex, reader: ChunkReader) {
        self.index = index
        self.reader = reader
    }

    /// Up to `count` messages past `cursor` (older when `newestFirst`, else newer), in page
    /// order, that `user` reads in `conversations`, merged with `live` (MongoDB's answer to
    /// the same question, in the same order).
    public func page(
        _ live: [ArchivedMessage], of conversations: [String], readBy user: String, beyond cursor: HistoryPosition?,
        newestFirst: Bool, count: Int
    ) async throws -> [ArchivedMessage] {
        let comesFirst: (HistoryPosition, HistoryPosition) -> Bool = newestFirst ? { $0 > $1 } : { $0 < $1 }
        let isBeyondCursor: (HistoryPosition) -> Bool = { position in
            guard let cursor else { return true }
            return comesFirst(cursor, position)
        }
        var page = Array(live.prefix(count))
        var seen = Set(page.map(\.documentId))
        var skip = 0
        walk: while true {
            let records = try await index.chunks(
                of: conversations, readBy: user, beyond: cursor, newestFirst: newestFirst, skip: skip, limit: Self.recordsPerQuery)
            for record in records {
                // Chunks come in the order of their nearest edge: once the page is full and this
                // chunk starts past its last message, no later chunk can contribute.
                let nearest = newestFirst ? record.last : record.first
                if page.count >= count, let worst = page.last, !comesFirst(nearest, worst.position) { break walk }
                let messages = try await reader.messages(of: record)
                for message in messages
                where message.readers.contains(user) && isBeyondCursor(message.position) && !seen.contains(message.documentId) {
                    seen.insert(message.documentId)
                    page.append(message)
                }
                page.sort { comesFirst($0.position, $1.position) }
                if page.count > count {
                    for dropped in page[count...] { seen.remove(dropped.documentId) }
                    page.removeLast(page.count - count)
                }
            }
            guard records.count == Self.recordsPerQuery else { break }
            skip += records.count
        }
        return page
    }
}
