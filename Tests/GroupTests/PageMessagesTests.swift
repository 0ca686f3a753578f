import ChatProtocol
import Foundation
import Pages
import XCTest

/// Who gets which copy of a message to a page, and the two views of a thread.
final class PageMessagesTests: XCTestCase {
    private func page(hideAgents: Bool = false) -> Page {
        var page = Page(id: "~p" + String(repeating: "a", count: 32), name: "Acme", creator: "ann", createdAt: 0)
        page.moderators = ["bob", "cid"]
        page.agents = ["ann", "bob", "cid"]
        page.hideAgents = hideAgents
        return page
    }

    private func message(from source: String, thread: String? = nil, to destination: String? = nil) -> ChatMessage {
        var meta = ["contentType": "TEXT"]
        meta["thread"] = thread
        return ChatMessage(
            id: "m1", type: .message, channel: .page, source: source, destination: destination ?? page().id,
            content: Data(#"{"text":"hi"}"#.utf8), meta: meta)
    }

    func testAUsersMessageGoesToEveryAgentInTheUsersThread() throws {
        let copies = try PageMessages.copies(of: message(from: "uma"), to: page())
        XCTAssertEqual(copies.map(\.recipient), ["ann", "bob", "cid"])
        for copy in copies {
            XCTAssertEqual(copy.message.source, "uma")
            XCTAssertEqual(copy.message.destination, page().id)
            XCTAssertEqual(copy.message.meta["thread"], "uma")
            XCTAssertNil(copy.agent)
        }
    }

    func testAnAnswerGoesToTheUserFromThePageAndToTheOtherAgents() throws {
        let copies = try PageMessages.copies(of: message(from: "bob", thread: "uma"), to: page())
        XCTAssertEqual(copies.map(\.recipient), ["uma", "ann", "cid"])
        let toUser = copies[0]
        XCTAssertEqual(toUser.message.source, page().id)
        XCTAssertEqual(toUser.message.destination, "uma")
        XCTAssertEqual(toUser.message.meta["agent"], "bob")
        XCTAssertNil(toUser.message.meta["thread"])
        XCTAssertEqual(toUser.agent, "bob")
        XCTAssertEqual(copies[1].message.source, "bob")
        XCTAssertEqual(copies[1].message.meta["thread"], "uma")

        let hidden = try PageMessages.copies(of: message(from: "bob", thread: "uma"), to: page(hideAgents: true))
        XCTAssertNil(hidden[0].message.meta["agent"])
        XCTAssertEqual(hidden[0].agent, "bob", "the history still learns who answered")
    }

    func testRefusals() {
        XCTAssertThrowsError(try PageMessages.copies(of: message(from: "uma"), to: nil)) { error in
            XCTAssertEqual((error as? PageEditError)?.statusCode, 404)
        }
        XCTAssertThrowsError(try PageMessages.copies(of: message(from: "uma", thread: "vic"), to: page())) { error in
            XCTAssertEqual((error as? PageEditError)?.statusCode, 403)
        }
        // Naming one's own thread is writing as a user.
        XCTAssertEqual(try PageMessages.copies(of: message(from: "uma", thread: "uma"), to: page()).count, 3)
    }

    func testTheThreadCanComeFromTheTopLevelJSONMeta() throws {
        var sent = message(from: "bob")
        sent.clientMeta = Data(#"{"createdAt":1,"thread":"uma"}"#.utf8)
        XCTAssertEqual(sent.pageThread, "uma")
        XCTAssertEqual(try PageMessages.copies(of: sent, to: page()).first?.recipient, "uma")
    }

    func testEveryCopyGivesBackTheAgentViewAndTheUserSeesAnswersFromThePage() throws {
        let copies = try PageMessages.copies(of: message(from: "bob", thread: "uma"), to: page(hideAgents: true))
        let fromUserCopy = PageMessages.agentView(ofCopy: copies[0].message, recipient: "uma", agent: copies[0].agent)
        let fromAgentCopy = PageMessages.agentView(ofCopy: copies[1].message, recipient: "ann", agent: nil)
        XCTAssertEqual(fromUserCopy.thread, "uma")
        XCTAssertEqual(fromUserCopy.message, fromAgentCopy.message)
        XCTAssertEqual(fromUserCopy.message.source, "bob")

        let shown = PageMessages.userView(of: fromUserCopy.message, user: "uma", page: page())
        XCTAssertEqual(shown.source, page().id)
        XCTAssertEqual(shown.destination, "uma")
        XCTAssertEqual(shown.meta["agent"], "bob")
        XCTAssertNil(PageMessages.userView(of: fromUserCopy.message, user: "uma", page: page(hideAgents: true)).meta["agent"])
        let own = PageMessages.userView(of: try PageMessages.copies(of: message(from: "uma"), to: page())[0].message, user: "uma", page: page())
        XCTAssertEqual(own.source, "uma")
        XCTAssertNil(own.meta["thread"])
    }
}
