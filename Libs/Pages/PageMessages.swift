import ChatProtocol

/// One delivery a message to a page makes: who gets it, and as what.
public struct PageCopy: Sendable, Equatable {
    public let recipient: String
    public let message: ChatMessage
    /// Who really wrote an answer, on the copy its user gets (that copy is `from` the page,
    /// and names the agent only while the page shows its agents). The history needs it.
    public let agent: String?
}

/// How messages to a page travel (Docs/PROTOCOL.md "Messages to a page").
///
/// Every message belongs to one thread, named by its user. A message is kept and shown to
/// agents in one form, the *agent view*: `from` the writer, `to` the page, `thread` the
/// user. The user sees answers as from the page, with the agent's name unless hidden.
public enum PageMessages {
    /// The copies `message` (channel `PAGE`, `to` a page id) makes, given the page as it is
    /// now: nil when there is no such page.
    ///
    /// An agent naming a thread answers it: the thread's user and every other agent get
    /// it. Anyone else writes in their own thread (an agent leaving `thread` out included):
    /// every agent gets it. A non-agent naming someone else's thread is refused.
    public static func copies(of message: ChatMessage, to page: Page?) throws(PageEditError) -> [PageCopy] {
        guard let page else { throw PageEditError(.notFound, "no page \(message.destination)") }
        let writer = message.source
        let named = message.pageThread
        if let thread = named, thread != writer {
            guard page.isAgent(writer) else {
                throw PageEditError(.forbidden, "only the agents of page \(page.id) answer its threads")
            }
            let agentView = agentView(of: message, page: page, thread: thread)
            var toUser = agentView
            toUser.source = page.id
            toUser.destination = thread
            toUser.meta[ChatMessage.threadKey] = nil
            toUser.meta[ChatMessage.agentKey] = page.hideAgents ? nil : writer
            return [PageCopy(recipient: thread, message: toUser, agent: writer)]
                + page.agents.filter { $0 != writer && $0 != thread }.map {
                    PageCopy(recipient: $0, message: agentView, agent: nil)
                }
        }
        let agentView = agentView(of: message, page: page, thread: writer)
        return page.agents.filter { $0 != writer }.map { PageCopy(recipient: $0, message: agentView, agent: nil) }
    }

    /// The agent view of any copy a recipient got: `agent` is the writer of an answer when the
    /// copy is the user's (`from` the page). Returns the thread's user with it.
    public static func agentView(ofCopy copy: ChatMessage, recipient: String, agent: String?) -> (thread: String, message: ChatMessage) {
        var message = copy
        if PageIds.isPageId(copy.source) {
            let pageId = copy.source
            message.source = agent ?? copy.meta[ChatMessage.agentKey] ?? pageId
            message.destination = pageId
            message.meta[ChatMessage.agentKey] = nil
            message.meta[ChatMessage.threadKey] = recipient
            return (recipient, message)
        }
        let thread = copy.pageThread ?? copy.source
        message.meta[ChatMessage.threadKey] = thread
        return (thread, message)
    }

    /// A message of `user`'s thread as `user` sees it: their own as they wrote it, an
    /// answer as from the page, naming the agent unless the page hides its agents (or is gone).
    public static func userView(of agentView: ChatMessage, user: String, page: Page?) -> ChatMessage {
        var message = agentView
        message.meta[ChatMessage.threadKey] = nil
        guard agentView.source != user else { return message }
        message.source = agentView.destination
        message.destination = user
        message.meta[ChatMessage.agentKey] = (page?.hideAgents ?? true) ? nil : agentView.source
        return message
    }

    private static func agentView(of message: ChatMessage, page: Page, thread: String) -> ChatMessage {
        var view = message
        view.destination = page.id
        view.meta[ChatMessage.threadKey] = thread
        view.meta[ChatMessage.agentKey] = nil
        return view
    }
}
