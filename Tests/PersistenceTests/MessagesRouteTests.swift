import Auth
import ChatProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import XCTest

@testable import Persistence

/// `GET /messages` with the service's own router, middleware and a real database.
final class MessagesRouteTests: XCTestCase {
    private struct Fixture {
        let test: TestStore
        let application: Application<RouterResponder<AuthenticatedContext>>
        let headers: HTTPFields

        init() async throws {
            test = try await TestStore()
            let keys = AccessKeyStore(store: test.database, database: test.databaseName)
            try await keys.createIndexes()
            let key = try await keys.issue(user: "bob", device: "phone", lifetime: .seconds(3600))
            headers = [CredentialExtractor.userHeader: "bob", CredentialExtractor.accessKeyHeader: key]
            let router = Router(context: AuthenticatedContext.self)
            MessagesRoute(store: test.store).add(
                to: router,
                verifier: AccessKeyVerifier(store: test.database, database: test.databaseName, logger: TestStack.logger))
            application = Application(router: router)
        }
    }

    private static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    func testPagesOfTheCallersMessagesAsOutboundEnvelopesWithACursor() async throws {
        let fixture = try await Fixture()
        let messages = (0..<5).map { offlineMessage("m\($0)", at: 1_000 + UInt64($0)) }
        try await fixture.test.store.store(messages.enumerated().map { stored($1, sequence: Int64($0)) })
        try await fixture.test.store.store([stored(offlineMessage("not-yours", to: "dave"), sequence: 9)])

        try await fixture.application.test(.router) { client in
            var pages: [[Any]] = []
            var after: String?
            repeat {
                let query = "limit=2" + (after.map { "&after=\($0)" } ?? "")
                let body = try await client.execute(uri: "/messages?\(query)", method: .get, headers: fixture.headers) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    return try Self.json(response.body)
                }
                pages.append(try XCTUnwrap(body["messages"] as? [Any]))
                after = body["next"] as? String
                XCTAssertTrue(after != nil || body["next"] is NSNull, "next is a cursor or null")
            } while after != nil

            XCTAssertEqual(pages.map(\.count), [2, 2, 1])
            let expected = try messages.map { try JSONSerialization.jsonObject(with: $0.outboundJSON()) as! NSDictionary }
            XCTAssertEqual(pages.joined().map { $0 as! NSDictionary }, expected)

            let all = try await client.execute(uri: "/messages", method: .get, headers: fixture.headers) { try Self.json($0.body) }
            XCTAssertEqual((all["messages"] as? [Any])?.count, 5, "the default limit covers them all")
            XCTAssertTrue(all["next"] is NSNull)
        }
        let count = try await fixture.test.store.collection.count()
        XCTAssertEqual(count, 6, "listing deletes nothing")
        await fixture.test.database.close()
    }

    func testALimitAboveTheMaximumIsCappedAndBadParametersAreRefused() async throws {
        let fixture = try await Fixture()
        try await fixture.test.store.store(
            (0..<(MessagesRoute.maxLimit + 1)).map { stored(offlineMessage("m\($0)"), sequence: Int64($0)) })
        try await fixture.application.test(.router) { client in
            let capped = try await client.execute(uri: "/messages?limit=100000", method: .get, headers: fixture.headers) {
                try Self.json($0.body)
            }
            XCTAssertEqual((capped["messages"] as? [Any])?.count, MessagesRoute.maxLimit)
            XCTAssertNotNil(capped["next"] as? String)

            for query in ["limit=0", "limit=-3", "limit=ten", "after=not-a-cursor"] {
                try await client.execute(uri: "/messages?\(query)", method: .get, headers: fixture.headers) { response in
                    XCTAssertEqual(response.status, .badRequest, query)
                    let body = try Self.json(response.body)
                    XCTAssertEqual(body["status"] as? Bool, false)
                    XCTAssertNotNil(body["error"] as? String)
                }
            }
        }
        await fixture.test.database.close()
    }

    func testWithoutValidCredentialsTheAnswerIs401() async throws {
        let fixture = try await Fixture()
        var wrongKey = fixture.headers
        wrongKey[CredentialExtractor.accessKeyHeader] = String(repeating: "a", count: 64)
        var otherUser = fixture.headers
        otherUser[CredentialExtractor.userHeader] = "dave"
        let refused = [HTTPFields(), wrongKey, otherUser]
        try await fixture.application.test(.router) { client in
            for headers in refused {
                try await client.execute(uri: "/messages", method: .get, headers: headers) { response in
                    XCTAssertEqual(response.status, .unauthorized)
                    XCTAssertEqual(try Self.json(response.body)["status"] as? Bool, false)
                }
            }
        }
        await fixture.test.database.close()
    }
}
