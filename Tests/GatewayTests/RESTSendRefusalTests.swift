import Auth
import Broker
import DocumentStore
import Foundation
@testable import Gateway
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import ServiceKit
import XCTest

/// `POST /send` (and its alias `POST /messages`) through the real routes: the exact bodies
/// of its refusals, and its answer when the database that holds the access keys is down.
final class RESTSendRefusalTests: XCTestCase {
    /// Nothing listens on port 9: every lookup fails the way an outage does, after the
    /// driver gave up selecting a server, which these timeouts keep short.
    private static let unreachableMongo = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
    private static let logger = Logger(label: "gateway-tests")

    func testADatabaseOutageWhileCheckingTheKeyIsThe503OfEveryOtherRoute() async throws {
        let store = try DocumentStore(uri: Self.unreachableMongo)
        let verifier = AccessKeyVerifier(store: store, database: "gateway-tests", logger: Self.logger)
        let credentials: HTTPFields = [
            CredentialExtractor.userHeader: "alice", CredentialExtractor.accessKeyHeader: AccessKeys.generate(),
        ]
        try await Self.withRoutes(authenticate: Authentication.byAccessKey(verifier)) { client in
            for path in ["/send", "/messages"] {
                try await client.execute(uri: path, method: .post, headers: credentials, body: ByteBuffer(string: "[]")) {
                    Self.assertRefusal($0, .serviceUnavailable, "authentication is unavailable, try again", path)
                }
            }
        }
        await store.close()
    }

    func testMissingCredentialsAre401WithoutAskingTheDatabase() async throws {
        let store = try DocumentStore(uri: Self.unreachableMongo)
        let verifier = AccessKeyVerifier(store: store, database: "gateway-tests", logger: Self.logger)
        try await Self.withRoutes(authenticate: Authentication.byAccessKey(verifier)) { client in
            try await client.execute(uri: "/send", method: .post, headers: [CredentialExtractor.userHeader: "alice"]) {
                Self.assertRefusal($0, .unauthorized, "missing or invalid credentials")
            }
        }
        await store.close()
    }

    func testBadRequestsAre400WithTheirReason() async throws {
        try await Self.withRoutes(authenticate: { _ in "alice" }) { client in
            try await client.execute(uri: "/send?format=xml", method: .post, body: ByteBuffer(string: "[]")) {
                Self.assertRefusal($0, .badRequest, "format must be text or binary")
            }
            try await client.execute(uri: "/send", method: .post, body: ByteBuffer(string: #"{"not":"an array"}"#)) {
                Self.assertRefusal($0, .badRequest, "body must be a non-empty JSON array of messages")
            }
        }
    }

    /// REST send takes from the same budget as the user's sockets: once they used it up, a
    /// batch is refused whole with 429; another user's budget is untouched.
    func testABatchOverTheUsersRateLimitIs429() async throws {
        let limits = UserRateLimits(rate: 1, burst: 3)
        XCTAssertTrue(limits.allow("alice", count: 2), "alice's sockets sent 2")
        let user = HTTPField.Name("test-user")!
        try await Self.withRoutes(authenticate: { $0[user] }, rateLimits: limits) { client in
            let two = ByteBuffer(string: #"["not a message", "nor this"]"#)
            try await client.execute(uri: "/send", method: .post, headers: [user: "alice"], body: two) {
                Self.assertRefusal($0, .tooManyRequests, "rate limit exceeded: at most 1 messages per second")
            }
            // bob's batch passes the limit and is refused only for what it holds.
            try await client.execute(uri: "/send", method: .post, headers: [user: "bob"], body: two) {
                Self.assertRefusal($0, .badRequest, "message 0: malformed JSON: invalid literal at byte 1")
            }
        }
    }

    /// The routes as the gateway mounts them. The broker is never reached: every request
    /// here is refused before a message would be enqueued.
    private static func withRoutes(
        authenticate: @escaping @Sendable (HTTPFields) async throws -> String?, rateLimits: UserRateLimits? = nil,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        // Quiet: librdkafka reports its failing connects to the absent broker on this logger.
        let producer = try BrokerProducer(
            configuration: BrokerConfiguration(bootstrapServers: "127.0.0.1:9", clientId: "gateway-tests"),
            logger: Logger(label: "gateway-tests-broker") { _ in SwiftLogNoOpLogHandler() })
        let intake = MessageIntake(
            producer: producer, topics: try TopicOptions.parse([]), gatewayId: "gateway-tests", maxMessageBytes: 65_536,
            logger: logger)
        let router = Router()
        RESTSendRoutes(
            authenticate: authenticate, intake: intake, maxBatchMessages: 100, rateLimits: rateLimits ?? UserRateLimits(rate: 100, burst: 100)
        ).add(to: router)
        do {
            try await Application(router: router).test(.router, body)
        } catch {
            await producer.close(timeout: .seconds(1))
            throw error
        }
        await producer.close(timeout: .seconds(1))
    }

    /// The public error shape, byte for byte: `{"error": reason, "status": false}` as JSON.
    private static func assertRefusal(
        _ response: TestResponse, _ status: HTTPResponse.Status, _ reason: String, _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(response.status, status, message, file: file, line: line)
        XCTAssertEqual(response.headers[.contentType], "application/json", message, file: file, line: line)
        XCTAssertEqual(String(buffer: response.body), #"{"error":"\#(reason)","status":false}"#, message, file: file, line: line)
    }
}
