import DocumentStore
import Foundation
import Groups
import TestSupport
import Testing

/// The `groups` collection against the real database.
struct GroupStoreTests {
    let limits = GroupLimits(maxMembers: 10)

    func makeStore() async throws -> (GroupStore, DocumentStore) {
        let database = try DocumentStore(uri: try TestStack.mongoURL())
        let store = GroupStore(collection: database.collection("groups", in: TestStack.uniqueName("groups")))
        try await store.createIndexes()
        return (store, database)
    }

    @Test func groupsRoundTripAndAreFoundByMember() async throws {
        let (store, database) = try await makeStore()
        let first = try Group.create(id: "g1", name: "One", profilePic: "pic", creator: "alice", members: ["bob"], now: 1, limits: limits)
        let second = try Group.create(id: "g2", name: "Two", profilePic: nil, creator: "bob", members: ["carol"], now: 2, limits: limits)
        #expect(try await store.insert(first))
        #expect(try await store.insert(second))
        #expect(try await store.insert(first) == false, "a second group with the same id is refused")
        #expect(try await store.find("g1") == first)
        #expect(try await store.find("nope") == nil)
        #expect(try await store.groups(of: "bob").map(\.id) == ["g1", "g2"])
        #expect(try await store.groups(of: "alice").map(\.id) == ["g1"])
        #expect(try await store.groups(of: "zed").isEmpty)
        await database.close()
    }

    @Test func aWriteBasedOnAStaleVersionLoses() async throws {
        let (store, database) = try await makeStore()
        let group = try Group.create(id: "g1", name: "One", profilePic: nil, creator: "alice", members: [], now: 1, limits: limits)
        #expect(try await store.insert(group))
        let (withBob, _) = try group.adding(["bob"], by: "alice", now: 2, limits: limits)
        let (withCarol, _) = try group.adding(["carol"], by: "alice", now: 2, limits: limits)
        #expect(try await store.replace(withBob))
        #expect(try await store.replace(withCarol) == false, "carol's change was based on the version bob's replaced")
        let stored = try #require(try await store.find("g1"))
        #expect(stored.memberNames == ["alice", "bob"])
        #expect(stored.version == 2)
        #expect(try await store.delete(group) == false)
        #expect(try await store.delete(stored))
        #expect(try await store.find("g1") == nil)
        await database.close()
    }
}
