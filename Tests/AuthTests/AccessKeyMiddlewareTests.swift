import Auth
import DocumentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import XCTest

/// The middleware as a service mounts it, driven through Hummingbird's test client.
final class AccessKeyMiddlewareTests: XCTestCase {
    func testOnlyValidCredentialsReachTheRouteAndTheUserIsOnTheContext() async throws {
        let store = try DocumentStore(uri: try TestStack.mongoURL())
        let database = TestStack.uniqueName("auth-tests")
        let keys = AccessKeyStore(store: store, database: database)
        try await keys.createIndexes()
        let key = try await keys.issue(user: "+4930123", device: "web", lifetime: .seconds(60))
        let verifier = AccessKeyVerifier(store: store, database: database, logger: TestStack.logger)

        let router = Router(context: AuthenticatedContext.self)
        router.group("/me").add(middleware: AccessKeyMiddleware(verifier: verifier)).get { _, context in
            context.username ?? "nobody"
        }
        let application = Application(router: router)
        try await application.test(.router) { client in
            try await client.execute(uri: "/me", method: .get, headers: [.init("user")!: "+4930123", .init("accesskey")!: key]) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual(String(buffer: $0.body), "+4930123")
            }
            try await client.execute(uri: "/me", method: .get, headers: [.cookie: "user=%2B4930123; accesskey=\(key)"]) {
                XCTAssertEqual($0.status, .ok)
                XCTAssertEqual(String(buffer: $0.body), "+4930123")
            }
            let refused: [HTTPFields] = [
                [:],
                [.init("user")!: "+4930123"],
                [.init("user")!: "+4930999", .init("accesskey")!: key],
                [.init("user")!: "+4930123", .init("accesskey")!: AccessKeys.generate()],
            ]
            for headers in refused {
                try await client.execute(uri: "/me", method: .get, headers: headers) { response in
                    XCTAssertEqual(response.status, .unauthorized, "\(headers)")
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                    XCTAssertEqual(body?["status"] as? Bool, false)
                    XCTAssertFalse((body?["error"] as? String ?? "").isEmpty)
                }
            }
        }
        try await store.collection(AccessKeys.collectionName, in: database).drop()
        await store.close()
    }
}
