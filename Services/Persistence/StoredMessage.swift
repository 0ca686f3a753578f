import ChatProtocol

/// A message kept for a recipient who was offline.
struct StoredMessage: Sendable, Equatable {
    /// The `offline-message` key: for a group message the member, not the group in `destination`.
    let recipient: String
    let message: ChatMessage
    /// Orders messages with the same `serverTimestamp` by their arrival at storage; the writer
    /// uses the record's offset, since all records of one recipient share a partition.
    let sequence: Int64
    /// The track id of the record that brought the message, so its redelivery logs under it too.
    let trackId: String
}

/// A CLIENT_ACK on `offline-message`: the recipient (the ack's source) got message `id`.
struct Acknowledgement: Sendable, Hashable {
    let recipient: String
    let id: String
}
