import Broker
import ChatProtocol
import Contracts
import Foundation

/// One chat message as the history keeps it, made from a `send-message` record.
///
/// History reads `send-message`, after routing and the group membership check, so it holds
/// only what was really sent to someone. A group message arrives once per member; every copy
/// names its member (the record key), and the entry's `readers` collects them with the
/// sender: a member reads a group's history exactly for the time they were a member.
struct HistoryEntry: Sendable {
    let conversation: ConversationKey
    let message: ChatMessage
    /// Who may read it: the sender and this record's recipient.
    let readers: [String]

    /// Nil for what history does not keep: notifications, acks and receipts, ephemeral
    /// messages, undecodable records (session-ms dead-letters those), and stored copies
    /// persistence sent out again (the original record was kept already).
    init?(_ record: ConsumedMessage) {
        guard record.headers.value(for: RecordHeaders.storedCopy) != "true",
            let message = try? ChatMessage(protobuf: record.value), message.type == .message, !message.ephemeral,
            !message.id.isEmpty, !message.source.isEmpty, !message.destination.isEmpty
        else { return nil }
        let recipient = record.key ?? message.destination
        switch message.channel {
        case .group:
            conversation = .group(message.destination)
        default:
            conversation = .direct(message.source, recipient)
        }
        self.message = message
        readers = message.source == recipient ? [recipient] : [message.source, recipient]
    }

    /// The document's `_id`: one document per message and conversation, whichever copy or
    /// replay brought it.
    var documentId: String { conversation.stored + ConversationKey.separator + message.id }
}

/// Which conversation a message belongs to, as stored: `u:<a>␟<b>` for two users (sorted,
/// so both see one conversation), `g:<id>` for a group.
enum ConversationKey: Sendable {
    case direct(String, String)
    case group(String)

    /// U+001F, the unit separator: not in usernames, group ids or message ids clients send.
    static let separator = "\u{1F}"

    var stored: String {
        switch self {
        case .direct(let one, let other): "u:" + [one, other].sorted().joined(separator: Self.separator)
        case .group(let id): "g:" + id
        }
    }

    init?(stored: String) {
        if stored.hasPrefix("g:") {
            self = .group(String(stored.dropFirst(2)))
            return
        }
        let users = stored.dropFirst(2).components(separatedBy: Self.separator)
        guard stored.hasPrefix("u:"), users.count == 2 else { return nil }
        self = .direct(users[0], users[1])
    }

    /// What the API calls the conversation for `user`: the other user, or the group id.
    func id(for user: String) -> String {
        switch self {
        case .direct(let one, let other): one == user ? other : one
        case .group(let id): id
        }
    }

    var type: String {
        switch self {
        case .direct: "user"
        case .group: "group"
        }
    }

    /// The conversations `id` may name for `user` in a route: the two-user one and the group.
    static func candidates(id: String, for user: String) -> [ConversationKey] {
        [.direct(user, id), .group(id)]
    }
}
