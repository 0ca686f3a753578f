import Auth
import DocumentStore
import Foundation
import TestSupport
import XCTest

/// The shared verification every client-facing service uses, against the test stack's
/// database (VARTALAP_TEST_MONGO_URL), each test in a database of its own.
final class AccessKeyVerifierTests: XCTestCase {
    private var store: DocumentStore!
    private var database = ""

    override func setUp() async throws {
        store = try DocumentStore(uri: try TestStack.mongoURL())
        database = TestStack.uniqueName("auth-tests")
        try await AccessKeyStore(store: store, database: database).createIndexes()
    }

    override func tearDown() async throws {
        try await store?.collection(AccessKeys.collectionName, in: database).drop()
        await store?.close()
    }

    func testGeneratedKeysAreRandomHexAndStoredHashed() {
        let key = AccessKeys.generate()
        XCTAssertNotNil(key.range(of: "^[0-9a-f]{64}$", options: .regularExpression), key)
        XCTAssertNotEqual(key, AccessKeys.generate())
        XCTAssertEqual(AccessKeys.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(AccessKeys.isWellFormed(key))
        XCTAssertFalse(AccessKeys.isWellFormed(key.uppercased()))
        XCTAssertFalse(AccessKeys.isWellFormed(String(key.dropLast())))
    }

    func testAnIssuedKeyVerifiesForItsUserOnly() async throws {
        let keys = AccessKeyStore(store: store, database: database)
        let verifier = AccessKeyVerifier(store: store, database: database, logger: TestStack.logger)
        let key = try await keys.issue(user: "alice", device: "phone", lifetime: .seconds(3600))
        let alice = Credentials(username: "alice", accessKey: key)
        var result = try await verifier.verify(alice)
        XCTAssertTrue(result)
        // Asked twice: the second answer comes from the cache and must be the same.
        result = try await verifier.verify(alice)
        XCTAssertTrue(result)
        result = try await verifier.verify(Credentials(username: "bob", accessKey: key))
        XCTAssertFalse(result, "a key is bound to its user, cached or not")
        result = try await verifier.verify(Credentials(username: "alice", accessKey: AccessKeys.generate()))
        XCTAssertFalse(result)
        result = try await verifier.verify(Credentials(username: "alice", accessKey: "short"))
        XCTAssertFalse(result)
    }

    func testFailuresAreNotCachedSoANewKeyWorksAtOnce() async throws {
        let verifier = AccessKeyVerifier(store: store, database: database, logger: TestStack.logger)
        let key = AccessKeys.generate()
        let credentials = Credentials(username: "carol", accessKey: key)
        var result = try await verifier.verify(credentials)
        XCTAssertFalse(result)
        try await store.collection(AccessKeys.collectionName, in: database).insertOne([
            "user": "carol", "device": "web", "keyHash": .string(AccessKeys.hash(key)),
            "createdAt": .date(Date()), "expiresAt": .date(Date().addingTimeInterval(60)),
        ])
        result = try await verifier.verify(credentials)
        XCTAssertTrue(result)
    }

    func testAnExpiredKeyIsRefusedEvenBeforeTheServerDeletesIt() async throws {
        let verifier = AccessKeyVerifier(store: store, database: database, logger: TestStack.logger)
        let key = AccessKeys.generate()
        try await store.collection(AccessKeys.collectionName, in: database).insertOne([
            "user": "dave", "device": "web", "keyHash": .string(AccessKeys.hash(key)),
            "createdAt": .date(Date().addingTimeInterval(-120)), "expiresAt": .date(Date().addingTimeInterval(-1)),
        ])
        let result = try await verifier.verify(Credentials(username: "dave", accessKey: key))
        XCTAssertFalse(result)
    }

    func testARevokedKeyStopsWorkingOnceTheCacheEntryLapses() async throws {
        let keys = AccessKeyStore(store: store, database: database)
        let verifier = AccessKeyVerifier(store: store, database: database, cacheTTL: .milliseconds(200), logger: TestStack.logger)
        let credentials = Credentials(username: "erin", accessKey: try await keys.issue(user: "erin", device: "d", lifetime: .seconds(60)))
        var result = try await verifier.verify(credentials)
        XCTAssertTrue(result)
        let revoked = try await keys.revoke(credentials)
        XCTAssertTrue(revoked)
        try await eventually("the revoked key to be refused") { try await !verifier.verify(credentials) }

        let again = Credentials(username: "erin", accessKey: try await keys.issue(user: "erin", device: "d", lifetime: .seconds(60)))
        result = try await verifier.verify(again)
        XCTAssertTrue(result)
        try await keys.revoke(again)
        verifier.forget(again)
        result = try await verifier.verify(again)
        XCTAssertFalse(result, "forget drops the cached answer at once")
    }

    func testANewLoginOnADeviceReplacesItsKey() async throws {
        let keys = AccessKeyStore(store: store, database: database)
        let verifier = AccessKeyVerifier(store: store, database: database, cacheTTL: .zero, logger: TestStack.logger)
        let old = try await keys.issue(user: "frank", device: "phone", lifetime: .seconds(60))
        let other = try await keys.issue(user: "frank", device: "tablet", lifetime: .seconds(60))
        let new = try await keys.issue(user: "frank", device: "phone", lifetime: .seconds(60))
        var result = try await verifier.verify(Credentials(username: "frank", accessKey: old))
        XCTAssertFalse(result)
        result = try await verifier.verify(Credentials(username: "frank", accessKey: new))
        XCTAssertTrue(result)
        result = try await verifier.verify(Credentials(username: "frank", accessKey: other))
        XCTAssertTrue(result)
        let stored = try await store.collection(AccessKeys.collectionName, in: database).count(["user": "frank"])
        XCTAssertEqual(stored, 2, "one key per device")
    }
}

