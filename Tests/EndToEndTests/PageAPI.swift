import Foundation
import TestSupport
import XCTest

/// A page's routes through nginx, as its admin or any user calls them.
struct PageAPI {
    let api: GroupAPI

    init(_ user: String, key: String) {
        api = GroupAPI(user: user, key: key)
    }

    /// A new page with `moderators`, made by this user (its admin); returns its id.
    func create(_ name: String, moderators: [String] = []) async throws -> String {
        let (status, json) = try await api.call("POST", "/pages", ["name": name])
        XCTAssertEqual(status, 201, "\(String(describing: json))")
        let id = try XCTUnwrap((json as? [String: Any])?["id"] as? String)
        if !moderators.isEmpty {
            let (added, answer) = try await api.call("POST", "/pages/\(id)/agents", ["usernames": moderators])
            XCTAssertEqual(added, 200, "\(String(describing: answer))")
        }
        return id
    }

    /// `{threads: [...], next}` with the status.
    func threads(_ page: String, query: String = "") async throws -> (status: Int, threads: [[String: Any]], next: String?) {
        let (status, json) = try await api.call("GET", "/pages/\(page)/threads\(query)")
        let object = json as? [String: Any]
        return (status, object?["threads"] as? [[String: Any]] ?? [], object?["next"] as? String)
    }

    func threadMessages(_ page: String, user: String, query: String = "") async throws -> (status: Int, messages: [[String: Any]]) {
        let (status, json) = try await api.call("GET", "/pages/\(page)/threads/\(user)/messages\(query)")
        return (status, (json as? [String: Any])?["messages"] as? [[String: Any]] ?? [])
    }
}

extension ChatClient {
    /// A 2.1 message to a page: a user's own, or an agent's answer in `thread`.
    func sendPageMessage(to page: String, id: String, text: String, thread: String? = nil, contentType: String = "TEXT") {
        var head: [String: Any] = ["type": "PAGE", "to": page, "from": user, "contentType": contentType]
        head["thread"] = thread
        sendJSON(["_v": 2.1, "id": id, "head": head, "body": ["text": text]])
    }

    /// The message with `id` this client received, with its head.
    func pageFrame(_ id: String) -> (frame: Frame, head: [String: Any])? {
        guard let frame = messages.first(where: { $0.id == id }) else { return nil }
        return (frame, frame.object["head"] as? [String: Any] ?? [:])
    }

    func waitForPageFrame(_ id: String, timeout: Duration = .seconds(30)) async throws -> (frame: Frame, head: [String: Any]) {
        try await eventually(timeout: timeout, "message \(id) for \(user)") { self.pageFrame(id) != nil }
        return pageFrame(id)!
    }
}
