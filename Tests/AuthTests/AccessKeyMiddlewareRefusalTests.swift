import Auth
import DocumentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import XCTest

/// What the middleware answers when it lets nobody through, byte for byte, with a key store
/// that cannot be reached: only a well-formed key makes it ask the database.
final class AccessKeyMiddlewareRefusalTests: XCTestCase {
    func testRefusalsHaveThePublicErrorShape() async throws {
        // Nothing listens on port 9; the short timeouts make the outage quick to notice.
        let store = try DocumentStore(uri: "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=300")
        let verifier = AccessKeyVerifier(store: store, database: "auth-tests", logger: TestStack.logger)
        let router = Router(context: AuthenticatedContext.self)
        router.group("/me").add(middleware: AccessKeyMiddleware(verifier: verifier)).get { _, _ in "through" }

        let refusals: [(HTTPFields, HTTPResponse.Status, String)] = [
            ([:], .unauthorized, "missing credentials: send the user and accesskey headers"),
            ([.init("user")!: "+4930123", .init("accesskey")!: "not-a-key"], .unauthorized, "wrong or expired access key"),
            (
                [.init("user")!: "+4930123", .init("accesskey")!: AccessKeys.generate()], .serviceUnavailable,
                "authentication is unavailable, try again"
            ),
        ]
        try await Application(router: router).test(.router) { client in
            for (headers, status, reason) in refusals {
                try await client.execute(uri: "/me", method: .get, headers: headers) { response in
                    XCTAssertEqual(response.status, status, reason)
                    XCTAssertEqual(response.headers[.contentType], "application/json", reason)
                    XCTAssertEqual(String(buffer: response.body), #"{"error":"\#(reason)","status":false}"#)
                }
            }
        }
        await store.close()
    }
}
