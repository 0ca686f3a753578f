import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import XCTest

/// The `/groups` routes through nginx, as an app calls them.
struct GroupAPI {
    let user: String
    let key: String

    /// Any JSON answer (an object, or an array for the listing).
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> (status: Int, json: Any?) {
        var request = HTTPClientRequest(url: try TestStack.publicURL() + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in TestStack.credentials(user, key) { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)))
    }

    func create(_ name: String, members: [String]) async throws -> String {
        let (status, json) = try await call("POST", "/groups/", ["name": name, "members": members])
        let groupId = (json as? [String: Any])?["groupId"] as? String
        XCTAssertEqual(status, 200, "\(String(describing: json))")
        return try XCTUnwrap(groupId)
    }

    /// `{groupId, name, members:[{username, role}], profilePic}`, or nil with the status.
    func group(_ id: String) async throws -> (status: Int, group: [String: Any]?) {
        let (status, json) = try await call("GET", "/groups/\(id)")
        return (status, status == 200 ? json as? [String: Any] : nil)
    }

    func roles(_ id: String) async throws -> [String: String] {
        let (_, group) = try await group(id)
        let members = group?["members"] as? [[String: String]] ?? []
        return Dictionary(uniqueKeysWithValues: members.compactMap { member in member["username"].map { ($0, member["role"] ?? "") } })
    }
}

extension ChatClient {
    /// A 2.1 message to a group.
    func sendGroupMessage(to groupId: String, id: String, text: String) {
        sendJSON([
            "_v": 2.1, "id": id,
            "head": ["type": "GROUP", "to": groupId, "from": user, "contentType": "TEXT", "chatid": groupId],
            "body": ["text": text],
        ])
    }

    /// A group change sent as a message (offline-capable clients).
    func sendGroupAction(to groupId: String, id: String, action: String, body: [String: Any]) {
        sendJSON([
            "_v": 2.1, "id": id,
            "head": ["type": "GROUP", "to": groupId, "from": user, "contentType": "notification", "action": action],
            "body": body,
        ])
    }

    /// The group events (PROTOCOL.md) received for `groupId` with `action`.
    func groupEvents(_ groupId: String, action: String) -> [Frame] {
        messages.filter { $0.to == groupId && ($0.object["head"] as? [String: Any])?["action"] as? String == action }
    }

    func waitForGroupEvent(_ groupId: String, action: String, count: Int = 1) async throws -> [Frame] {
        try await eventually("\(count) '\(action)' event(s) of \(groupId) for \(user)") {
            self.groupEvents(groupId, action: action).count >= count
        }
        return groupEvents(groupId, action: action)
    }
}
