import DocumentStore
import Foundation

/// What MongoDB knows of one archived chunk (collection `history_chunks`, `_id` = the key):
/// enough to find the chunks a page of history needs without reading them, and to check a
/// chunk when it is read.
public struct ChunkRecord: Sendable, Equatable {
    /// How far the archiver got with the chunk. Readers use `written` and `archived` ones;
    /// a `writing` chunk may be incomplete and is never read.
    public enum State: String, Sendable {
        /// Recorded before the object is written; MongoDB still holds its messages.
        case writing
        /// Written and read back; MongoDB's copies may still be there (deleted next).
        case written
        /// MongoDB's copies are deleted: the chunk is the only copy.
        case archived
        /// Past the retention: its object is being removed.
        case removing
    }

    public let key: String
    public let conversation: String
    public var state: State
    public let count: Int
    public let sha256: String
    public let bytes: Int
    public let first: HistoryPosition
    public let last: HistoryPosition
    /// Everyone who reads at least one of its messages.
    public let readers: [String]
    public let createdAt: Date

    public init(
        key: String, conversation: String, state: State, count: Int, sha256: String, bytes: Int,
        first: HistoryPosition, last: HistoryPosition, readers: [String], createdAt: Date
    ) {
        self.key = key
        self.conversation = conversation
        self.state = state
        self.count = count
        self.sha256 = sha256
        self.bytes = bytes
        self.first = first
        self.last = last
        self.readers = readers
        self.createdAt = createdAt
    }

    var document: Document {
        [
            "_id": .string(key), "conversation": .string(conversation), "state": .string(state.rawValue),
            "count": .int64(Int64(count)), "sha256": .string(sha256), "bytes": .int64(Int64(bytes)),
            "firstAt": .int64(first.at), "firstSeq": .int64(first.seq), "firstId": .string(first.id),
            "lastAt": .int64(last.at), "lastSeq": .int64(last.seq), "lastId": .string(last.id),
            "readers": .array(readers.map(BSONValue.string)), "createdAt": .date(createdAt),
        ]
    }

    public init?(document: Document) {
        guard let key = document["_id"]?.stringValue, let conversation = document["conversation"]?.stringValue,
            let state = document["state"]?.stringValue.flatMap(State.init(rawValue:)),
            let count = document["count"]?.intValue, let sha256 = document["sha256"]?.stringValue,
            let firstAt = document["firstAt"]?.intValue, let firstId = document["firstId"]?.stringValue,
            let lastAt = document["lastAt"]?.intValue, let lastId = document["lastId"]?.stringValue,
            case .array(let readers)? = document["readers"]
        else { return nil }
        self.init(
            key: key, conversation: conversation, state: state, count: count, sha256: sha256,
            bytes: document["bytes"]?.intValue ?? 0,
            first: HistoryPosition(at: Int64(firstAt), seq: Int64(document["firstSeq"]?.intValue ?? 0), id: firstId),
            last: HistoryPosition(at: Int64(lastAt), seq: Int64(document["lastSeq"]?.intValue ?? 0), id: lastId),
            readers: readers.compactMap(\.stringValue), createdAt: Self.date(document["createdAt"]))
    }

    private static func date(_ value: BSONValue?) -> Date {
        guard case .date(let milliseconds)? = value else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
