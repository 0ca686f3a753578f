import Auth
import ChatProtocol
import Foundation
import Groups
import Hummingbird
import Pages
import PublicAPI

/// `GET /conversations` (the caller's inbox) and `GET /conversations/{id}/messages` (one
/// conversation's history, paged by a time cursor), both only for an authenticated caller
/// and only over what the caller took part in.
///
/// `{id}` is a group id or the other user's name. A group's messages are read by the
/// members they reached; a group the caller is not in and has no messages of is answered
/// 404, as one that does not exist, so nothing leaks. A conversation with another user is
/// always the caller's own (empty if they never wrote), so it is never refused. A page id
/// names the caller's own thread with the page, each answer as the caller received it.
struct HistoryRoutes: Sendable {
    static let defaultLimit = 50
    static let maxLimit = 100

    /// Nil when this deployment keeps no history (`--history-retention-days 0`).
    let store: HistoryStore?
    let groups: GroupStore
    let pages: PageStore

    func conversations(for user: String, limit limitText: Substring?, before beforeText: Substring?) async -> Response {
        guard let store else { return APIResponse.error(Self.noHistory) }
        let limit: Int, before: HistoryCursor?
        switch (Self.limit(limitText), Self.cursor(beforeText, "before")) {
        case (.failure(let error), _), (_, .failure(let error)): return APIResponse.error(error)
        case (.success(let parsedLimit), .success(let parsedCursor)): (limit, before) = (parsedLimit, parsedCursor)
        }
        do {
            let page = try await store.conversations(of: user, before: before, limit: limit)
            var body = Data(#"{"conversations":["#.utf8)
            for (index, conversation) in page.conversations.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: #"{"id":"#.utf8)
                body.append(Self.jsonString(conversation.key.id(for: user)))
                body.append(contentsOf: #","type":"\#(conversation.key.type)","lastMessage":"#.utf8)
                body.append(try await asSeen(conversation.lastMessage, in: conversation.key, by: user).outboundJSON())
                body.append(contentsOf: #","updatedAt":\#(conversation.updatedAt)}"#.utf8)
            }
            body.append(contentsOf: #"],"next":\#(page.next.map { "\"\($0)\"" } ?? "null")}"#.utf8)
            return APIResponse.json(encoded: body)
        } catch {
            return APIResponse.error(Self.unavailable)
        }
    }

    func messages(
        in id: String, for user: String, limit limitText: Substring?, before beforeText: Substring?,
        after afterText: Substring?
    ) async -> Response {
        guard let store else { return APIResponse.error(Self.noHistory) }
        let limit: Int, before: HistoryCursor?, after: HistoryCursor?
        switch (Self.limit(limitText), Self.cursor(beforeText, "before"), Self.cursor(afterText, "after")) {
        case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)):
            return APIResponse.error(error)
        case (.success(let parsedLimit), .success(let parsedBefore), .success(let parsedAfter)):
            (limit, before, after) = (parsedLimit, parsedBefore, parsedAfter)
        }
        if before != nil, after != nil {
            return APIResponse.error(APIError(.badRequest, "give before or after, not both"))
        }
        do {
            let page = try await store.page(
                of: ConversationKey.candidates(id: id, for: user), readBy: user,
                after.map { .after($0) } ?? .before(before), limit: limit)
            if page.messages.isEmpty, before == nil, after == nil,
                let group = try await groups.find(id), !group.isMember(user)
            {
                return APIResponse.error(APIError(.notFound, "no such conversation"))
            }
            var messages = page.messages
            if PageIds.isPageId(id) {
                let shown = try await pages.find(id)
                messages = messages.map { PageMessages.userView(of: $0, user: user, page: shown) }
            }
            return APIResponse.json(encoded: MessageListBody.encode(messages, next: page.next?.description))
        } catch {
            return APIResponse.error(Self.unavailable)
        }
    }

    /// A page thread's message as its user sees it; any other as stored.
    private func asSeen(_ message: ChatMessage, in conversation: ConversationKey, by user: String) async throws -> ChatMessage {
        guard case .page(let id, _) = conversation else { return message }
        return PageMessages.userView(of: message, user: user, page: try await pages.find(id))
    }

    static let noHistory = APIError(.notFound, "this server keeps no conversation history")
    static let unavailable = APIError(.serviceUnavailable, "the history is unavailable, try again")

    static func limit(_ text: Substring?) -> Result<Int, APIError> {
        guard let text else { return .success(defaultLimit) }
        guard let limit = Int(text), (1...maxLimit).contains(limit) else {
            return .failure(APIError(.badRequest, "limit must be an integer from 1 to \(maxLimit)"))
        }
        return .success(limit)
    }

    static func cursor(_ text: Substring?, _ name: String) -> Result<HistoryCursor?, APIError> {
        guard let text else { return .success(nil) }
        guard let cursor = HistoryCursor(String(text)) else {
            return .failure(APIError(.badRequest, "\(name) is not a cursor from next"))
        }
        return .success(cursor)
    }

    static func jsonString(_ value: String) -> Data {
        (try? JSONEncoder().encode(value)) ?? Data(#""""#.utf8)
    }
}

extension HistoryRoutes {
    /// Serves both routes on `router` behind `AccessKeyMiddleware`.
    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>, verifier: AccessKeyVerifier) {
        let authenticated = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        authenticated.get("/conversations") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            let query = request.uri.queryParameters
            return await conversations(for: user, limit: query["limit"], before: query["before"])
        }
        authenticated.get("/conversations/:id/messages") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            guard let id = context.parameters.get("id"), !id.isEmpty else {
                return APIResponse.error(APIError(.notFound, "no such conversation"))
            }
            let query = request.uri.queryParameters
            return await messages(in: id, for: user, limit: query["limit"], before: query["before"], after: query["after"])
        }
    }
}
