import Groups
import Testing

/// The membership rules, as pure functions of a group.
struct GroupEditsTests {
    let limits = GroupLimits(maxMembers: 5, maxMembersAtCreation: 4, maxMembersPerAddition: 2)

    func group(_ members: [String] = ["bob", "carol"]) throws -> Group {
        try Group.create(id: "g1", name: " Friends ", profilePic: nil, creator: "alice", members: members, now: 10, limits: limits)
    }

    @Test func theCreatorIsAdminAndListedFirstAndDuplicatesCollapse() throws {
        let created = try group(["bob", "carol", "bob", "alice"])
        #expect(created.name == "Friends")
        #expect(created.members.map(\.username) == ["alice", "bob", "carol"])
        #expect(created.members.map(\.role) == [.admin, .user, .user])
        #expect(created.memberNames == ["alice", "bob", "carol"])
    }

    @Test func creationLimitsAndNamesAreChecked() throws {
        #expect(throws: GroupEditError(.invalid, "at most 4 members at creation")) { try group(["a", "b", "c", "d", "e"]) }
        #expect(throws: GroupEditError(.invalid, "name must not be empty")) {
            try Group.create(id: "g", name: "  ", profilePic: nil, creator: "alice", members: [], now: 1, limits: limits)
        }
        #expect(throws: GroupEditError(.invalid, "members must be usernames")) { try group(["", "bob"]) }
    }

    @Test func onlyAdminsAddAndAddingAMemberAgainChangesNothing() throws {
        let start = try group()
        #expect(throws: GroupEditError(.forbidden, "only an admin may add members")) {
            try start.adding(["dave"], by: "bob", now: 20, limits: limits)
        }
        #expect(throws: Group.notFound) { try start.adding(["dave"], by: "mallory", now: 20, limits: limits) }
        let (same, none) = try start.adding(["bob"], by: "alice", now: 20, limits: limits)
        #expect(none.isEmpty)
        #expect(same == start)
        let (bigger, added) = try start.adding(["dave", "bob"], by: "alice", now: 20, limits: limits)
        #expect(added.map(\.username) == ["dave"])
        #expect(bigger.memberNames == ["alice", "bob", "carol", "dave"])
    }

    @Test func memberLimitsGiveAClearError() throws {
        let start = try group()
        #expect(throws: GroupEditError(.invalid, "at most 2 members per addition")) {
            try start.adding(["d", "e", "f"], by: "alice", now: 20, limits: limits)
        }
        let (four, _) = try start.adding(["d"], by: "alice", now: 20, limits: limits)
        let (five, _) = try four.adding(["e"], by: "alice", now: 20, limits: limits)
        #expect(throws: GroupEditError(.invalid, "a group has at most 5 members")) {
            try five.adding(["f"], by: "alice", now: 20, limits: limits)
        }
    }

    @Test func onlyAdminsRemoveOthersButAnyoneMayLeave() throws {
        let start = try group()
        #expect(throws: GroupEditError(.forbidden, "only an admin may remove other members")) { try start.removing("carol", by: "bob") }
        let (left, removed, promoted) = try start.removing("bob", by: "bob")
        #expect(removed == ["bob"])
        #expect(promoted.isEmpty)
        #expect(left?.memberNames == ["alice", "carol"])
        let (kicked, kickedOut, _) = try start.removing("carol", by: "alice")
        #expect(kickedOut == ["carol"])
        #expect(kicked?.memberNames == ["alice", "bob"])
        let (same, nobody, _) = try start.removing("dave", by: "alice")
        #expect(nobody.isEmpty)
        #expect(same == start)
    }

    @Test func theLastAdminLeavingPromotesTheOldestMember() throws {
        let start = try group(["bob", "carol"])
        let (after, _, promoted) = try start.removing("alice", by: "alice")
        #expect(promoted.map(\.username) == ["bob"])
        #expect(after?.member("bob")?.role == .admin)
        #expect(after?.member("carol")?.role == .user)
        // The last member leaving ends the group.
        let solo = try group([])
        let (gone, removed, _) = try solo.removing("alice", by: "alice")
        #expect(gone == nil)
        #expect(removed == ["alice"])
    }

    @Test func anyMemberMayRenameButNotOutsiders() throws {
        let start = try group()
        let renamed = try start.renaming(to: "Family", profilePic: nil, by: "bob", limits: limits)
        #expect(renamed.name == "Family")
        #expect(throws: Group.notFound) { try start.renaming(to: "Mine", profilePic: nil, by: "mallory", limits: limits) }
        #expect(throws: GroupEditError(.invalid, "name or profilePic is required")) {
            try start.renaming(to: nil, profilePic: nil, by: "bob", limits: limits)
        }
    }
}
