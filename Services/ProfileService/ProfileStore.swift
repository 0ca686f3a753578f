import DocumentStore
import Foundation
import PublicAPI

/// The `profiles` collection: one document per registered user,
///
///     { _id: username, name: String, active: Bool, createdAt: Date, lastLoginAt: Date }
///
/// Every query here selects by `_id`, which the server always indexes; `active` is only
/// ever read together with `_id`, so it needs no index of its own.
struct ProfileStore: Sendable {
    static let collectionName = "profiles"

    struct Profile: Sendable, Equatable {
        var username: String
        var name: String
    }

    let collection: DocumentCollection

    /// Registers the user on their first login and notes the login time.
    /// - Returns: true when this login created the profile.
    /// - Throws: 403 for a user an operator deactivated (`active: false`).
    func recordLogin(username: String, name: String?, now: Date = Date()) async throws -> Bool {
        let filter: Document = ["_id": .string(username)]
        let update: Document = [
            "$set": ["lastLoginAt": .date(now)],
            "$setOnInsert": ["name": .string(name ?? username), "active": true, "createdAt": .date(now)],
        ]
        let previous: Document?
        do {
            previous = try await collection.findOneAndUpdate(filter, update, returnNew: false, upsert: true)
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            // Another first login of the same user inserted it meanwhile; now it exists.
            previous = try await collection.findOneAndUpdate(filter, update, returnNew: false, upsert: true)
        }
        guard let previous else { return true }
        guard previous["active"]?.boolValue != false else { throw APIError(.forbidden, "this account is deactivated") }
        return false
    }

    func profile(of username: String) async throws -> Profile? {
        guard let document = try await collection.findOne(["_id": .string(username)], projection: ["name": 1]) else {
            return nil
        }
        return Profile(username: username, name: document["name"]?.stringValue ?? username)
    }

    /// Which of `usernames` are registered and active.
    func activeUsers(among usernames: Set<String>) async throws -> Set<String> {
        guard !usernames.isEmpty else { return [] }
        let documents = try await collection.find(
            ["_id": ["$in": .array(usernames.sorted().map { .string($0) })], "active": true], projection: ["_id": 1])
        return Set(documents.compactMap { $0["_id"]?.stringValue })
    }
}
