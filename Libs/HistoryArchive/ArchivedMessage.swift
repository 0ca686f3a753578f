import DocumentStore

/// One message of the conversation history, as the `history` collection holds it and as an
/// archived chunk keeps it: the document's fields, so a message reads the same from either.
public struct ArchivedMessage: Sendable, Equatable, Codable {
    /// The history document's `_id`: conversation and message id, one per message.
    public let documentId: String
    /// The stored conversation key (`u:<a>␟<b>` or `g:<group>`).
    public let conversation: String
    /// The client's message id.
    public let messageId: String
    public let source: String
    /// The server's accept time, ms since the epoch.
    public let at: Int64
    /// The gateway's accept sequence (µs), 0 for messages from before it.
    public let seq: Int64
    /// Who may read it: the sender and everyone it was delivered to.
    public let readers: [String]
    /// The message as protobuf, base64.
    public let message: String

    enum CodingKeys: String, CodingKey {
        case documentId = "_id", conversation, messageId = "id", source, at, seq, readers, message
    }

    public init(
        documentId: String, conversation: String, messageId: String, source: String, at: Int64, seq: Int64,
        readers: [String], message: String
    ) {
        self.documentId = documentId
        self.conversation = conversation
        self.messageId = messageId
        self.source = source
        self.at = at
        self.seq = seq
        self.readers = readers
        self.message = message
    }

    /// From a `history` document; nil when a field the history always writes is missing.
    public init?(document: Document) {
        guard let documentId = document["_id"]?.stringValue, let conversation = document["conversation"]?.stringValue,
            let messageId = document["id"]?.stringValue, let at = document["at"]?.intValue,
            let message = document["message"]?.stringValue,
            case .array(let readerValues)? = document["readers"]
        else { return nil }
        self.init(
            documentId: documentId, conversation: conversation, messageId: messageId,
            source: document["source"]?.stringValue ?? "", at: Int64(at), seq: Int64(document["seq"]?.intValue ?? 0),
            readers: readerValues.compactMap(\.stringValue), message: message)
    }

    public var position: HistoryPosition { HistoryPosition(at: at, seq: seq, id: documentId) }
}
