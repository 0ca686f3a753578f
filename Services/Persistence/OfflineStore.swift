import ChatProtocol
import DocumentStore
import Foundation

/// The undelivered messages, one document per (recipient, source, id), kept until the
/// recipient acks them or the retention ends.
///
/// A document holds the message as protobuf (base64, the store has no binary type) beside
/// the fields it is found and sorted by, and `expireAt`, which a TTL index watches. Putting
/// the retention into the document rather than the index lets `--offline-retention-days`
/// change without rebuilding the index.
struct OfflineStore: Sendable {
    static let collectionName = "offline_messages"

    let collection: DocumentCollection
    let retention: Duration

    /// What a listing sorts by: oldest first, then in order of arrival.
    private static let order: Document = ["serverTimestamp": 1, "sequence": 1, "_id": 1]

    /// The unique (recipient, id, source) index: one copy per message, and the index an ack's
    /// delete (`recipient` and `id`, no `source`) finds its documents by. Earlier versions had
    /// `dedupe` on (recipient, source, id), where that delete could use only `recipient` and
    /// read all of the recipient's messages; it is replaced at start.
    static let dedupeIndex = "dedupe_by_id"
    static let retiredDedupeIndex = "dedupe"

    func createIndexes() async throws {
        // The new index first: uniqueness holds throughout, as both are unique on the same fields.
        try await collection.createIndex(["recipient": 1, "id": 1, "source": 1], unique: true, name: Self.dedupeIndex)
        try await collection.dropIndex(named: Self.retiredDedupeIndex)
        var listing: Document = ["recipient": 1]
        for (key, direction) in Self.order { listing[key] = direction }
        try await collection.createIndex(listing, name: "listing")
        try await collection.createIndex(["expireAt": 1], expireAfterSeconds: 0, name: "retention")
    }

    /// Stores the messages in one unordered write. A message stored before (a replayed or
    /// duplicated record) is left as it is; that counts as success.
    func store(_ messages: [StoredMessage], now: Date = Date()) async throws {
        let expireAt = BSONValue.date(now.addingTimeInterval(TimeInterval(retention.components.seconds)))
        let documents = messages.map { stored -> Document in
            [
                "recipient": .string(stored.recipient),
                "source": .string(stored.message.source),
                "id": .string(stored.message.id),
                "serverTimestamp": .int64(Int64(clamping: stored.message.serverTimestamp)),
                "sequence": .int64(stored.sequence),
                "message": .string(stored.message.protobufData().base64EncodedString()),
                "trackId": .string(stored.trackId),
                "expireAt": expireAt,
            ]
        }
        do {
            try await collection.insertMany(documents, ordered: false)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Unordered: every other document went in.
        }
    }

    /// Deletes the acknowledged messages and returns how many there were.
    ///
    /// One `{recipient, id: {$in}}` delete per recipient, in the order recipients first
    /// appear: each finds its documents through the `dedupeIndex` prefix. A single `$or` of every (recipient, id) pair was
    /// measured at minutes for a 1,000-ack batch on the local database (SecantusDB scans per
    /// clause), long enough to time out and retry forever, stalling persistence.
    @discardableResult
    func delete(_ acknowledgements: [Acknowledgement]) async throws -> Int {
        var recipients: [String] = []
        var ids: [String: [BSONValue]] = [:]
        for ack in acknowledgements {
            if ids[ack.recipient] == nil { recipients.append(ack.recipient) }
            ids[ack.recipient, default: []].append(.string(ack.id))
        }
        var deleted = 0
        for recipient in recipients {
            deleted += try await collection.deleteMany(["recipient": .string(recipient), "id": ["$in": .array(ids[recipient]!)]])
        }
        return deleted
    }

    /// Up to `limit` of the recipient's messages after `cursor`, oldest first, and the cursor
    /// of the next page when there are more.
    func page(of recipient: String, after cursor: PageCursor?, limit: Int) async throws -> StoredPage {
        var filter: Document = ["recipient": .string(recipient)]
        if let cursor { filter["$or"] = Self.after(cursor) }
        let documents = try await collection.find(filter, sort: Self.order, limit: limit + 1)
        let listed = try documents.prefix(limit).map(Self.listed)
        let next = documents.count > limit ? listed.last?.position : nil
        return StoredPage(messages: listed.map(\.stored), next: next)
    }

    /// How many users one `recipientsWithStoredMessages` call should ask about. The local
    /// database (SecantusDB) checks each document the index finds against every name in the
    /// `$in`, so a lookup costs (its users' stored messages) × (its users): one lookup for
    /// 1,000 users who each had 20 messages was measured at 37 to 54 s, several times what
    /// reading each one's listing took. In slices of 50 the lookups cost about as much as
    /// those reads at worst, and when nearly nobody has messages, as after a reconnect
    /// burst, they are still 50 times fewer queries than one per user.
    static let usersPerLookup = 50

    /// Which of `users` have at least one stored message, in one query, so a burst of
    /// connects need not read every user's (nearly always empty) listing. The `$match` is on
    /// the leading field of the `dedupeIndex` and `listing` indexes, so only these users'
    /// documents are read, not the collection; keep `users` to `usersPerLookup`.
    func recipientsWithStoredMessages(among users: [String]) async throws -> Set<String> {
        guard !users.isEmpty else { return [] }
        let recipients = try await collection.aggregate([
            ["$match": ["recipient": ["$in": .array(users.map(BSONValue.string))]]],
            ["$group": ["_id": "$recipient"]],
        ])
        return Set(recipients.compactMap { $0["_id"]?.stringValue })
    }

    /// Matches what sorts after `cursor` in `order`.
    private static func after(_ cursor: PageCursor) -> BSONValue {
        let timestamp = BSONValue.int64(cursor.serverTimestamp)
        let sequence = BSONValue.int64(cursor.sequence)
        return [
            ["serverTimestamp": ["$gt": timestamp]],
            ["serverTimestamp": timestamp, "sequence": ["$gt": sequence]],
            ["serverTimestamp": timestamp, "sequence": sequence, "_id": ["$gt": .objectID(cursor.objectID)]],
        ]
    }

    private static func listed(_ document: Document) throws -> (stored: StoredMessage, position: PageCursor) {
        guard let recipient = document["recipient"]?.stringValue,
            let timestamp = document["serverTimestamp"]?.intValue,
            let sequence = document["sequence"]?.intValue,
            case .objectID(let objectID)? = document["_id"],
            let trackId = document["trackId"]?.stringValue,
            let encoded = document["message"]?.stringValue, let bytes = Data(base64Encoded: encoded)
        else {
            throw DocumentStoreError.decoding("stored offline message \(document["_id"].map { "\($0)" } ?? "") is incomplete")
        }
        let message: ChatMessage
        do {
            message = try ChatMessage(protobuf: bytes)
        } catch {
            throw DocumentStoreError.decoding("stored offline message \(objectID): \(error)")
        }
        return (
            StoredMessage(recipient: recipient, message: message, sequence: Int64(sequence), trackId: trackId),
            PageCursor(serverTimestamp: Int64(timestamp), sequence: Int64(sequence), objectID: objectID)
        )
    }
}

/// One page of a listing.
struct StoredPage: Sendable {
    let messages: [StoredMessage]
    /// Where the next page starts; nil on the last page.
    let next: PageCursor?
}
