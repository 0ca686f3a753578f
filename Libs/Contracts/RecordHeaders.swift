import Broker

/// Header names with a meaning between services.
public enum RecordHeaders {
    /// Set (to "true") by persistence on messages it redelivers from storage: the ack of
    /// such a message must reach persistence so the stored copy is deleted. session-ms keeps
    /// it on such a message when it hands it back undelivered, so persistence knows the
    /// copy came round once already and does not send it straight out again.
    public static let storedCopy = "stored-copy"
    /// Set (to "true") by session-ms on a message it stores because the recipient's
    /// connections got it but none acked it in time: persistence keeps it for the next
    /// connect instead of sending it straight back out.
    public static let unacknowledged = "unacknowledged"
    /// Set by persistence on a stored copy it sends out because the recipient connected:
    /// the timestamp (epoch ms) of that CONNECTED event. Kafka does not order records
    /// across topics, so session-ms may read the copy before the event that made it; if
    /// it has not yet applied a connection event of the recipient this recent, it waits
    /// for one before it calls the recipient offline. session-ms keeps it on a copy it
    /// hands back undelivered: a copy sent out for a connection older than the recipient's
    /// newest one (a reconnect that persistence handled before the copy was back) goes out
    /// again at once.
    public static let recipientConnectedAt = "recipient-connected-at"
    /// Set by group-router on the copy of a page's answer that goes to the thread's user
    /// (`from` the page): the agent who wrote it, which the history keeps even while the
    /// page hides its agents from users.
    public static let pageAgent = "page-agent"
    /// On a record in `dead-letter`: why it could not be handled.
    public static let deadLetterReason = "dead-letter-reason"
    /// On a record in `dead-letter`: where it came from, as `topic/partition/offset`.
    public static let deadLetterSource = "dead-letter-source"
    /// On every record a service produces from a client request: the request's track id
    /// (`TrackId`).
    public static let trackId = "track-id"
}

extension ConsumedMessage {
    /// `topic/partition/offset`: where the record came from, as `dead-letter-source` and the
    /// logs about a record name it.
    public var source: String { "\(topic)/\(partition)/\(offset)" }
}
