import AsyncHTTPClient
import Foundation
import NIOCore

/// Counts a user's stored (not yet acked) messages through `GET /messages`, page by page.
enum StoredMessages {
    static func count(of user: String, key: String, publicURL: String) async throws -> Int {
        var total = 0
        var after: String?
        repeat {
            var url = publicURL + "/messages?limit=500"
            if let after { url += "&after=\(after)" }
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "user", value: user)
            request.headers.add(name: "accesskey", value: key)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 << 20)
            guard response.status.code == 200,
                let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            else { throw Login.Failed(description: "GET /messages for \(user): \(response.status.code)") }
            total += (object["messages"] as? [Any])?.count ?? 0
            after = object["next"] as? String
        } while after != nil
        return total
    }
}
