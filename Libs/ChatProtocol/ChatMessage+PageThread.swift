import Foundation

extension ChatMessage {
    /// The meta key (JSON: a `head` key) naming the user whose thread with a page a message
    /// belongs to (Docs/PROTOCOL.md "Messages to a page").
    public static let threadKey = "thread"
    /// The meta key naming the agent who answered, on the copy a page's user receives.
    public static let agentKey = "agent"

    /// The page thread this message names: `head.thread` (binary: meta `thread`), else a
    /// string `thread` in the sender's top-level JSON `meta`; nil when neither is there.
    public var pageThread: String? {
        if let thread = meta[Self.threadKey], !thread.isEmpty { return thread }
        guard let clientMeta, case .object(let fields)? = try? JSONParser.parse(clientMeta),
            case .string(let thread)? = fields[Self.threadKey], !thread.isEmpty
        else { return nil }
        return thread
    }
}
