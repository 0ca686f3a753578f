import Auth
import Foundation
import Hummingbird
import PublicAPI

/// `GET /messages?limit=&after=`: the caller's stored (not yet acked) messages, oldest first,
/// as outbound JSON envelopes (PROTOCOL.md). Listing never deletes; the client acks what it
/// got and the acks delete it.
struct MessagesRoute: Sendable {
    static let defaultLimit = 50
    static let maxLimit = 500

    let store: OfflineStore

    /// The listing for an authenticated user, with the request's `limit` and `after` parameters.
    func list(for user: String, limit limitText: Substring?, after afterText: Substring?) async -> Response {
        var limit = Self.defaultLimit
        if let text = limitText {
            guard let requested = Int(text), requested >= 1 else {
                return APIResponse.error(APIError(.badRequest, "limit must be a positive integer"))
            }
            limit = min(requested, Self.maxLimit)
        }
        var cursor: PageCursor?
        if let text = afterText, !text.isEmpty {
            guard let parsed = PageCursor(String(text)) else {
                return APIResponse.error(APIError(.badRequest, "after is not a cursor from next"))
            }
            cursor = parsed
        }
        do {
            let page = try await store.page(of: user, after: cursor, limit: limit)
            return APIResponse.json(encoded: MessageListBody.encode(page.messages.map(\.message), next: page.next?.description))
        } catch {
            return APIResponse.error(APIError(.serviceUnavailable, "stored messages are unavailable, try again"))
        }
    }
}

extension MessagesRoute {
    /// Serves the listing on `router` behind `AccessKeyMiddleware`: only to an authenticated
    /// caller, and only the caller's own messages.
    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>, verifier: AccessKeyVerifier) {
        router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier)).get("/messages") {
            request, context in
            guard let user = context.username else {
                return APIResponse.error(APIError(.unauthorized, "missing or wrong credentials"))
            }
            let query = request.uri.queryParameters
            return await list(for: user, limit: query["limit"], after: query["after"])
        }
    }
}
