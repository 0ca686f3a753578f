import DocumentStore
import Foundation

/// One archiver at a time across replicas of persistence and `vartalap-admin
/// archive-history`: a lease document in MongoDB, held for `duration` and renewed between
/// chunks. Another archiver finds it held and skips its run. A crashed holder's lease runs
/// out; whatever it left half done is finished by the next holder (`HistoryArchiver`).
struct ArchiveLease: Sendable {
    static let collectionName = "history_archive_lease"
    static let documentId = "archiver"

    let collection: DocumentCollection
    let owner: String
    let duration: Duration

    /// True when this owner holds the lease until `now + duration`.
    func acquire(now: Date = Date()) async throws -> Bool {
        let until = now.addingTimeInterval(TimeInterval(duration.components.seconds))
        do {
            let held = try await collection.findOneAndUpdate(
                ["_id": .string(Self.documentId), "$or": [["until": ["$lt": .date(now)]], ["owner": .string(owner)]]],
                ["$set": ["owner": .string(owner), "until": .date(until)]], upsert: true)
            return held?["owner"]?.stringValue == owner
        } catch let error as DocumentStoreError where error.isDuplicateKey {
            return false
        }
    }

    func release() async throws {
        _ = try await collection.deleteOne(["_id": .string(Self.documentId), "owner": .string(owner)])
    }
}
