import Auth
import DocumentStore
import Foundation
import TestSupport
import XCTest

/// What profile-ms leaves in the database: keys only as hashes, one per device, and the
/// indexes its queries rely on.
final class AccessKeyStorageTests: XCTestCase {
    func testTheKeyIsStoredOnlyAsItsHash() async throws {
        let user = TestStack.uniqueName("user")
        let key = try await TestStack.login(user, device: "phone")
        try await withTestStore { store in
            let keys = store.collection("access_keys", in: TestStack.database)
            let documents = try await keys.find(["user": .string(user)])
            XCTAssertEqual(documents.count, 1)
            let document = try XCTUnwrap(documents.first)
            XCTAssertEqual(document["device"], "phone")
            XCTAssertEqual(document["keyHash"]?.stringValue, AccessKeys.hash(key))
            XCTAssertNotEqual(AccessKeys.hash(key), key)
            for (field, value) in document {
                XCTAssertFalse("\(value)".contains(key), "field \(field) holds the plain key")
            }
            guard case .date(let expires)? = document["expiresAt"] else { return XCTFail("expiresAt is not a date: \(document)") }
            let days = (Double(expires) / 1000 - Date().timeIntervalSince1970) / 86_400
            XCTAssertEqual(days, 90, accuracy: 0.1, "keys live --access-key-ttl-days (90 by default)")
        }
    }

    func testQueriedFieldsAreIndexed() async throws {
        _ = try await TestStack.login(TestStack.uniqueName("user"))
        try await withTestStore { store in
            let indexes = try await store.collection("access_keys", in: TestStack.database).listIndexes()
            let keys = indexes.map { $0.keys.keys }
            XCTAssertTrue(keys.contains(["keyHash"]), "\(keys)")
            XCTAssertTrue(keys.contains(["user", "device"]), "\(keys)")
            XCTAssertTrue(indexes.contains { $0.keys.keys == ["keyHash"] && $0.isUnique })
            XCTAssertTrue(indexes.contains { $0.keys.keys == ["user", "device"] && $0.isUnique })
            XCTAssertTrue(indexes.contains { $0.keys.keys == ["expiresAt"] && $0.expireAfterSeconds == 0 })
        }
    }
}
