import Broker
import ChatProtocol
import Contracts
import Foundation
import Pages

/// One chat message as the history keeps it, made from a `send-message` record.
///
/// History reads `send-message`, after routing and the group membership check, so it holds
/// only what was really sent to someone. A group message arrives once per member; every copy
/// names its member (the record key), and the entry's `readers` collects them with the
/// sender: a member reads a group's history exactly for the time they were a member.
/// A message to a page is kept once per thread in its agent view (`PageMessages`), read by
/// the thread's user and by the page id, which stands for whoever is an agent at read time.
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
        case .page:
            let (thread, agentView) = PageMessages.agentView(
                ofCopy: message, recipient: recipient, agent: record.headers.value(for: RecordHeaders.pageAgent))
            guard PageIds.isPageId(agentView.destination) else { return nil }
            conversation = .page(agentView.destination, thread: thread)
            self.message = agentView
            readers = [thread, agentView.destination]
            return
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
/// so both see one conversation), `g:<id>` for a group, `p:<page id>␟<user>` for a user's
/// thread with a page.
enum ConversationKey: Sendable, Equatable {
    case direct(String, String)
    case group(String)
    case page(String, thread: String)

    /// U+001F, the unit separator: not in usernames, group ids or message ids clients send.
    static let separator = "\u{1F}"

    var stored: String {
        switch self {
        case .direct(let one, let other): "u:" + [one, other].sorted().joined(separator: Self.separator)
        case .group(let id): "g:" + id
        case .page(let id, let thread): "p:" + id + Self.separator + thread
        }
    }

    init?(stored: String) {
        if stored.hasPrefix("g:") {
            self = .group(String(stored.dropFirst(2)))
            return
        }
        let parts = stored.dropFirst(2).components(separatedBy: Self.separator)
        guard parts.count == 2 else { return nil }
        if stored.hasPrefix("p:") {
            self = .page(parts[0], thread: parts[1])
        } else if stored.hasPrefix("u:") {
            self = .direct(parts[0], parts[1])
        } else {
            return nil
        }
    }

    /// What the API calls the conversation for `user`: the other user, the group id or the
    /// page id.
    func id(for user: String) -> String {
        switch self {
        case .direct(let one, let other): one == user ? other : one
        case .group(let id): id
        case .page(let id, _): id
        }
    }

    var type: String {
        switch self {
        case .direct: "user"
        case .group: "group"
        case .page: "page"
        }
    }

    /// The conversations `id` may name for `user` in a route: the two-user one and the group,
    /// or the user's own thread with a page.
    static func candidates(id: String, for user: String) -> [ConversationKey] {
        PageIds.isPageId(id) ? [.page(id, thread: user)] : [.direct(user, id), .group(id)]
    }
}
