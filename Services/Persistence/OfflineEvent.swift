import Broker
import ChatProtocol
import Contracts
import ServiceKit

/// What one `offline-message` record asks persistence to do (Docs/RECORDS.md).
enum OfflineEvent: Equatable {
    case store(StoredMessage)
    case acknowledge(Acknowledgement)
    /// Ephemeral messages go to live connections only, never to storage.
    case ignoreEphemeral
    /// Undecodable or incomplete; the reason goes to `dead-letter`.
    case invalid(String)

    init(_ record: ConsumedMessage) {
        let message: ChatMessage
        do {
            message = try ChatMessage(protobuf: record.value)
        } catch {
            self = .invalid("\(error)")
            return
        }
        guard !message.id.isEmpty else {
            self = .invalid("missing message id")
            return
        }
        if message.type == .clientAck {
            self = message.source.isEmpty ? .invalid("client ack without source") : .acknowledge(.init(recipient: message.source, id: message.id))
        } else if message.ephemeral {
            self = .ignoreEphemeral
        } else if let recipient = record.key, !recipient.isEmpty {
            self = .store(StoredMessage(recipient: recipient, message: message, sequence: record.offset, trackId: TrackId.of(record)))
        } else {
            self = .invalid("missing recipient key")
        }
    }
}
