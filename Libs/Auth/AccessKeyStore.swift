import DocumentStore
import Foundation

/// Reads and writes the `access_keys` collection (schema in `AccessKeys`). profile-ms
/// issues and revokes keys; every service that serves clients looks them up.
public struct AccessKeyStore: Sendable {
    public let collection: DocumentCollection

    public init(store: DocumentStore, database: String) {
        collection = store.collection(AccessKeys.collectionName, in: database)
    }

    /// Creates the indexes every query here relies on; safe to call on each start.
    public func createIndexes() async throws {
        try await collection.createIndex(["user": 1, "device": 1], unique: true)
        try await collection.createIndex(["keyHash": 1], unique: true)
        try await collection.createIndex(["expiresAt": 1], expireAfterSeconds: 0)
    }

    /// Issues a new key for `user` on `device`, replacing that device's previous key.
    /// Returns the key itself: the only moment it exists outside the client.
    public func issue(user: String, device: String, lifetime: Duration, now: Date = Date()) async throws -> String {
        let key = AccessKeys.generate()
        let expiresAt = now.addingTimeInterval(TimeInterval(lifetime.components.seconds))
        let update: Document = [
            "$set": [
                "keyHash": .string(AccessKeys.hash(key)), "createdAt": .date(now), "expiresAt": .date(expiresAt),
            ]
        ]
        let filter: Document = ["user": .string(user), "device": .string(device)]
        do {
            try await collection.updateOne(filter, update, upsert: true)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Two first logins of one device raced to insert; the second now finds the
            // document and replaces its key, as a later login would.
            try await collection.updateOne(filter, update, upsert: true)
        }
        return key
    }

    /// Deletes the key; false when it did not exist (or belongs to someone else).
    @discardableResult
    public func revoke(_ credentials: Credentials) async throws -> Bool {
        try await collection.deleteOne(filter(credentials)) == 1
    }

    /// When the key expires, if it belongs to the user and has not expired yet; else nil.
    public func expiry(of credentials: Credentials, now: Date = Date()) async throws -> Date? {
        guard AccessKeys.isWellFormed(credentials.accessKey) else { return nil }
        guard let document = try await collection.findOne(filter(credentials), projection: ["expiresAt": 1]),
            case .date(let milliseconds)? = document["expiresAt"]
        else { return nil }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
        return expiresAt > now ? expiresAt : nil
    }

    private func filter(_ credentials: Credentials) -> Document {
        ["keyHash": .string(AccessKeys.hash(credentials.accessKey)), "user": .string(credentials.username)]
    }
}
