import Groups
import Pages
import Testing

/// The rules of pages and their agents, apart from storing them.
struct PageEditsTests {
    static func page() throws -> Page {
        try Page.create(name: "  Acme support ", creator: "ann", now: 1)
    }

    @Test func aNewPageHasItsCreatorAsAdminAndAnIdNoUserOrGroupCanHave() throws {
        let page = try Self.page()
        #expect(page.name == "Acme support")
        #expect(page.admins == ["ann"] && page.moderators.isEmpty && page.agents == ["ann"])
        #expect(PageIds.isPageId(page.id) && page.id.count == 34)
        #expect(page.id.hasPrefix("~"), "no username holds ~, no group id starts with it")
        #expect(try Self.page().id != page.id)
        #expect(throws: PageEditError.self) { try Page.create(name: " ", creator: "ann", now: 1) }
        #expect(throws: PageEditError.self) { try Page.create(name: String(repeating: "n", count: 101), creator: "ann", now: 1) }
    }

    @Test func adminsManageAgentsModeratorsAreRefusedOthersAreNotTold() throws {
        var page = try Self.page()
        page = try page.adding(["bob", "cid"], as: .moderator, by: "ann")
        #expect(page.moderators == ["bob", "cid"] && page.agents == ["ann", "bob", "cid"])
        #expect(page.role(of: "bob") == .moderator && page.role(of: "zed") == nil)
        #expect(throws: PageEditError(.forbidden, "only the page's admins may do this")) { try page.adding(["dan"], as: .moderator, by: "bob") }
        #expect(throws: Page.notFound) { try page.adding(["dan"], as: .moderator, by: "zed") }
        #expect(throws: Page.notFound) { try page.removing("bob", by: "zed") }

        // Promoting moves an agent; demoting the last admin is refused.
        page = try page.adding(["bob"], as: .admin, by: "ann")
        #expect(page.admins == ["ann", "bob"] && page.moderators == ["cid"])
        page = try page.removing("ann", by: "bob")
        #expect(page.admins == ["bob"] && page.agents == ["bob", "cid"])
        #expect(throws: PageEditError.self) { try page.removing("bob", by: "bob") }
        #expect(throws: PageEditError.self) { try page.adding(["bob"], as: .moderator, by: "bob") }
        #expect(throws: PageEditError.self) { try page.removing("zed", by: "bob") }
        #expect(throws: PageEditError.self) { try page.adding([], as: .moderator, by: "bob") }
        #expect(throws: PageEditError.self) { try page.adding(["~pabc"], as: .moderator, by: "bob") }
    }

    @Test func adminsRenameAndHideAgents() throws {
        let page = try Self.page().adding(["bob"], as: .moderator, by: "ann")
        let changed = try page.updating(name: "Acme help", hideAgents: true, by: "ann")
        #expect(changed.name == "Acme help" && changed.hideAgents)
        #expect(throws: PageEditError.self) { try page.updating(name: "x", hideAgents: nil, by: "bob") }
        #expect(throws: PageEditError.self) { try page.updating(name: "", hideAgents: nil, by: "ann") }
    }

    @Test func aGroupIdCannotLookLikeAPage() {
        #expect(throws: GroupEditError.self) {
            try Group.create(
                id: "~p0123", name: "Not a page", profilePic: nil, creator: "ann", members: [], now: 1,
                limits: GroupLimits(maxMembers: 10))
        }
    }
}
