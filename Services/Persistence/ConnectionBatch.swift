import Broker
import ChatProtocol

/// A batch of `user-connection-state` records sorted out for redelivery.
struct ConnectionBatch {
    /// The decodable events in arrival order, each with its record.
    private(set) var events: [(record: ConsumedMessage, event: ConnectionState)] = []
    /// The records to dead-letter, with the reason.
    private(set) var invalid: [(record: ConsumedMessage, reason: String)] = []
    /// Every user with a CONNECTED event, once, in the order of their first one, with that
    /// event's record: its track id is what the user's redelivery logs under. One
    /// redelivery covers a user who connected several times in the batch, since each
    /// would publish the same stored messages. `connectedAt` is that event's timestamp.
    private(set) var connecting: [(user: String, record: ConsumedMessage, connectedAt: UInt64)] = []

    init(_ records: [ConsumedMessage]) {
        var seen: Set<String> = []
        for record in records {
            let event: ConnectionState
            do {
                event = try ConnectionState(protobuf: record.value)
            } catch {
                invalid.append((record, "\(error)"))
                continue
            }
            guard !event.user.isEmpty else {
                invalid.append((record, "connection state without user"))
                continue
            }
            events.append((record, event))
            if event.state == .connected, seen.insert(event.user).inserted {
                connecting.append((event.user, record, event.timestamp))
            }
        }
    }
}
