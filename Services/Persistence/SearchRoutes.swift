import Auth
import ChatProtocol
import Foundation
import Hummingbird
import Pages
import PublicAPI
import Search

/// `GET /search` (everything the caller can read in history) and `GET /pages/{id}/search`
/// (every thread of a page, for its agents): `{"results": [{"conversation": {"id", "type"},
/// "message"}], "next"}`, newest first. Docs/PROTOCOL.md "Search".
struct SearchRoutes: Sendable {
    /// Nil when this deployment keeps no history (then nothing is searchable).
    let history: HistoryStore?
    let pages: PageStore

    private struct Request: Sendable {
        let query: SearchQuery
        let limit: Int
        let before: String?
    }

    func search(
        for user: String, q: Substring?, conversation: Substring?, limit: Substring?, before: Substring?
    ) async -> Response {
        await answering(q: q, limit: limit, before: before) { request, history, index in
            // The conversation asked for, else every one the caller has history in; a hit
            // counts only where the caller is among its readers.
            let scopes =
                if let conversation { ConversationKey.candidates(id: String(conversation), for: user).map(\.stored) } else {
                    try await history.members.conversations(of: user)
                }
            let (hits, next) = try await index.search(
                request.query, readBy: user, in: scopes, before: request.before, limit: request.limit)
            let messages = try await history.messages(hits.map { ($0.documentId, $0.conversation, $0.at, $0.seq) }, readBy: user)
            var shownPages: [String: Page?] = [:]
            var results: [(id: String, type: String, message: ChatMessage)] = []
            for hit in hits {
                guard let key = ConversationKey(stored: hit.conversation), var message = messages[hit.documentId] else { continue }
                if case .page(let id, _) = key {
                    if shownPages[id] == nil { shownPages[id] = .some(try await pages.find(id)) }
                    message = PageMessages.userView(of: message, user: user, page: shownPages[id] ?? nil)
                }
                results.append((key.id(for: user), key.type, message))
            }
            return (results, next)
        }
    }

    func searchPage(_ id: String, for user: String, q: Substring?, limit: Substring?, before: Substring?) async -> Response {
        await answering(q: q, limit: limit, before: before) { request, history, index in
            guard let page = try await pages.find(id), page.isAgent(user) else { throw Page.notFoundError }
            // The page's scope holds every thread, read by the page id (HistoryEntry).
            let (hits, next) = try await index.search(request.query, readBy: id, in: [id], before: request.before, limit: request.limit)
            let messages = try await history.messages(hits.map { ($0.documentId, $0.conversation, $0.at, $0.seq) }, readBy: id)
            let results = hits.compactMap { hit -> (id: String, type: String, message: ChatMessage)? in
                guard case .page(_, let thread)? = ConversationKey(stored: hit.conversation), let message = messages[hit.documentId]
                else { return nil }
                return (thread, "thread", message)
            }
            return (results, next)
        }
    }

    private func answering(
        q: Substring?, limit limitText: Substring?, before beforeText: Substring?,
        _ run: (Request, HistoryStore, SearchIndex) async throws -> (results: [(id: String, type: String, message: ChatMessage)], next: String?)
    ) async -> Response {
        guard let history, let index = history.search else { return APIResponse.error(HistoryRoutes.noHistory) }
        let query: SearchQuery
        do {
            query = try SearchQuery(String(q ?? ""))
        } catch {
            return APIResponse.error(APIError(.badRequest, error.description))
        }
        let limit: Int
        switch HistoryRoutes.limit(limitText) {
        case .failure(let error): return APIResponse.error(error)
        case .success(let parsed): limit = parsed
        }
        var before: String?
        if let beforeText {
            guard let position = HistoryCursor.decode(beforeText) else {
                return APIResponse.error(APIError(.badRequest, "before is not a cursor from next"))
            }
            before = position
        }
        do {
            let (results, next) = try await run(Request(query: query, limit: limit, before: before), history, index)
            var body = Data(#"{"results":["#.utf8)
            for (position, result) in results.enumerated() {
                if position > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: #"{"conversation":{"id":"#.utf8)
                body.append(HistoryRoutes.jsonString(result.id))
                body.append(contentsOf: #","type":"\#(result.type)"},"message":"#.utf8)
                body.append(result.message.outboundJSON())
                body.append(UInt8(ascii: "}"))
            }
            body.append(contentsOf: #"],"next":\#(next.map { "\"\(HistoryCursor.encode($0))\"" } ?? "null")}"#.utf8)
            return APIResponse.json(encoded: body)
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(HistoryRoutes.unavailable)
        }
    }
}

extension SearchRoutes {
    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>, verifier: AccessKeyVerifier) {
        let authenticated = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        authenticated.get("/search") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            let query = request.uri.queryParameters
            return await search(
                for: user, q: query["q"], conversation: query["conversation"], limit: query["limit"], before: query["before"])
        }
        authenticated.get("/pages/:id/search") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            let query = request.uri.queryParameters
            return await searchPage(
                try context.parameters.require("id"), for: user, q: query["q"], limit: query["limit"], before: query["before"])
        }
    }
}
