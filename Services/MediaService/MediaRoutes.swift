import Auth
import Hummingbird
import PublicAPI

/// The public `/assets` routes (PROTOCOL.md), each also under the older `/file` prefix the
/// original file service had. Every route needs the caller's access key.
struct MediaRoutes: Sendable {
    static let maxBodyBytes = 4 * 1024

    let operations: MediaOperations
    let verifier: AccessKeyVerifier

    func add<Context: AuthenticatedRequestContext>(to router: Router<Context>) {
        let routes = router.group().add(middleware: AccessKeyMiddleware<Context>(verifier: verifier))
        // One loop per method and route, each path also under the original's /file prefix
        // (Deployment/local/checks/openapi.py reads routes in this shape).
        for path in ["/assets/upload/presigned_url", "/file/upload/presigned_url"] {
            routes.get(RouterPath(path)) { request, context in
                let query = request.uri.queryParameters
                return try await grant(
                    ext: query.get("ext"), category: query.get("category"), size: query.get("size"), by: Self.user(context))
            }
        }
        // Deprecated by the original server in favour of the GET, still called by older apps.
        for path in ["/assets/upload/presigned_url", "/file/upload/presigned_url"] {
            routes.post(RouterPath(path)) { request, context in
                let body = try await RequestJSON.decode(UploadURLBody.self, from: request, limit: Self.maxBodyBytes)
                return try await grant(ext: body.ext, category: body.category, size: body.size, by: Self.user(context))
            }
        }
        for path in ["/assets/download/:fileId/presigned_url", "/file/download/:fileId/presigned_url"] {
            routes.get(RouterPath(path)) { _, context in
                let url = try await operations.downloadURL(fileId: try context.parameters.require("fileId"))
                return APIResponse.json(["url": url])
            }
        }
        // PUT is the original route; shipped apps send the same body with POST.
        for path in ["/assets/:fileId/status", "/file/:fileId/status"] {
            routes.put(RouterPath(path)) { request, context in try await setStatus(request, context) }
        }
        for path in ["/assets/:fileId/status", "/file/:fileId/status"] {
            routes.post(RouterPath(path)) { request, context in try await setStatus(request, context) }
        }
    }

    private func grant(ext: String?, category: String?, size: String?, by user: String) async throws -> Response {
        let grant = try await operations.uploadURL(ext: ext, category: category, size: size, owner: user)
        return APIResponse.json(["url": grant.url, "fileId": grant.fileId])
    }

    private func setStatus<Context: AuthenticatedRequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await RequestJSON.decode(StatusBody.self, from: request, limit: Self.maxBodyBytes)
        try await operations.setStatus(fileId: try context.parameters.require("fileId"), uploaded: body.status, by: Self.user(context))
        return APIResponse.json(["status": true])
    }

    private static func user(_ context: some AuthenticatedRequestContext) throws -> String {
        guard let username = context.username else { throw APIError(.unauthorized, "missing credentials") }
        return username
    }
}

struct StatusBody: Decodable {
    let status: Bool
}

/// `{ext, category}` and optionally `size`, a number or a string of digits.
struct UploadURLBody: Decodable {
    let ext: String
    let category: String
    let size: String?

    enum CodingKeys: String, CodingKey { case ext, category, size }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ext = try container.decode(String.self, forKey: .ext)
        category = try container.decode(String.self, forKey: .category)
        if let number = try? container.decodeIfPresent(Int.self, forKey: .size) {
            size = String(number)
        } else {
            size = try container.decodeIfPresent(String.self, forKey: .size)
        }
    }
}
