import Auth
import ChatProtocol
import Foundation
import Hummingbird
import Pages
import PublicAPI

/// A page's inbox for its agents (Docs/PROTOCOL.md "The page's inbox"): its threads, each
/// thread's messages, and assignment. Who is an agent is read from the page on every
/// request, so a removed agent is refused at once; anyone else gets 404, as for a page that
/// does not exist.
struct PageInboxRoutes: Sendable {
    static let maxBodyBytes = 4 * 1024

    /// Nil when this deployment keeps no history.
    let history: HistoryStore?
    let pages: PageStore

    struct AssignBody: Decodable {
        let assignee: String?

        enum CodingKeys: String, CodingKey { case assignee }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.assignee) else {
                throw DecodingError.keyNotFound(CodingKeys.assignee, .init(codingPath: [], debugDescription: "required"))
            }
            assignee = try container.decode(String?.self, forKey: .assignee)
        }
    }

    func threads(of id: String, for user: String, limit limitText: Substring?, before beforeText: Substring?) async -> Response {
        let limit: Int, before: HistoryCursor?
        switch (HistoryRoutes.limit(limitText), HistoryRoutes.cursor(beforeText, "before")) {
        case (.failure(let error), _), (_, .failure(let error)): return APIResponse.error(error)
        case (.success(let parsedLimit), .success(let parsedCursor)): (limit, before) = (parsedLimit, parsedCursor)
        }
        do {
            let (_, threads) = try await inbox(of: id, for: user)
            let page = try await threads.threads(of: id, before: before, limit: limit)
            var body = Data(#"{"threads":["#.utf8)
            for (index, thread) in page.threads.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(Self.object(thread))
            }
            body.append(contentsOf: #"],"next":\#(page.next.map { "\"\($0)\"" } ?? "null")}"#.utf8)
            return APIResponse.json(encoded: body)
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(HistoryRoutes.unavailable)
        }
    }

    func messages(
        of id: String, thread: String, for user: String, limit limitText: Substring?, before beforeText: Substring?,
        after afterText: Substring?
    ) async -> Response {
        let limit: Int, before: HistoryCursor?, after: HistoryCursor?
        switch (HistoryRoutes.limit(limitText), HistoryRoutes.cursor(beforeText, "before"), HistoryRoutes.cursor(afterText, "after")) {
        case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)):
            return APIResponse.error(error)
        case (.success(let parsedLimit), .success(let parsedBefore), .success(let parsedAfter)):
            (limit, before, after) = (parsedLimit, parsedBefore, parsedAfter)
        }
        if before != nil, after != nil {
            return APIResponse.error(APIError(.badRequest, "give before or after, not both"))
        }
        do {
            let (history, _) = try await inbox(of: id, for: user)
            // The page id reads every thread of the page (HistoryEntry): the caller is an agent.
            let page = try await history.page(
                of: [.page(id, thread: thread)], readBy: id, after.map { .after($0) } ?? .before(before), limit: limit)
            return APIResponse.json(encoded: MessageListBody.encode(page.messages, next: page.next?.description))
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(HistoryRoutes.unavailable)
        }
    }

    func assign(_ id: String, thread: String, for user: String, request: Request) async -> Response {
        do {
            let body = try await RequestJSON.decode(AssignBody.self, from: request, limit: Self.maxBodyBytes)
            let (page, threads) = try await agentsPage(id, for: user)
            if let assignee = body.assignee, !page.isAgent(assignee) {
                return APIResponse.error(APIError(.badRequest, "\(assignee) is not an agent of this page"))
            }
            guard let assigned = try await threads.assign(page: id, user: thread, to: body.assignee) else {
                return APIResponse.error(APIError(.notFound, "no such thread"))
            }
            return APIResponse.json(encoded: Self.object(assigned))
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(HistoryRoutes.unavailable)
        }
    }

    private func inbox(of id: String, for user: String) async throws -> (HistoryStore, PageThreadStore) {
        let (_, threads) = try await agentsPage(id, for: user)
        guard let history else { throw HistoryRoutes.noHistory }
        return (history, threads)
    }

    /// The page, when `user` is one of its agents; 404 otherwise.
    private func agentsPage(_ id: String, for user: String) async throws -> (Page, PageThreadStore) {
        guard let page = try await pages.find(id), page.isAgent(user) else { throw Page.notFoundError }
        guard let threads = history?.threads else { throw HistoryRoutes.noHistory }
        return (page, threads)
    }

    private static func object(_ thread: PageThreadStore.Thread) -> Data {
        var body = Data(#"{"user":"#.utf8)
        body.append(HistoryRoutes.jsonString(thread.user))
        body.append(contentsOf: #","lastMessage":"#.utf8)
        body.append(thread.lastMessage.outboundJSON())
        body.append(contentsOf: #","updatedAt":\#(thread.updatedAt),"unanswered":\#(thread.unanswered),"assignee":"#.utf8)
        body.append(thread.assignee.map(HistoryRoutes.jsonString) ?? Data("null".utf8))
        body.append(UInt8(ascii: "}"))
        return body
    }
}

extension Page {
    /// What a non-agent hears of a page's inbox: the same as for no page at all.
    static let notFoundError = APIError(.notFound, "no such page")
}

extension PageInboxRoutes {
    /// Serves the three routes on `router` behind `AccessKeyMiddleware`.
    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>, verifier: AccessKeyVerifier) {
        let authenticated = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        authenticated.get("/pages/:id/threads") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            let query = request.uri.queryParameters
            return await threads(of: try context.parameters.require("id"), for: user, limit: query["limit"], before: query["before"])
        }
        authenticated.get("/pages/:id/threads/:user/messages") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            let query = request.uri.queryParameters
            return await messages(
                of: try context.parameters.require("id"), thread: try context.parameters.require("user"), for: user,
                limit: query["limit"], before: query["before"], after: query["after"])
        }
        authenticated.post("/pages/:id/threads/:user/assign") { request, context in
            guard let user = context.username else { return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials")) }
            return await assign(
                try context.parameters.require("id"), thread: try context.parameters.require("user"), for: user, request: request)
        }
    }
}
