import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import TestSupport

/// A Server-Sent Events client of `GET /v1.0/events` through nginx, as a browser's
/// EventSource is one: it reads the stream as it comes and keeps every event.
final class EventStreamClient: Sendable {
    struct Event: Sendable, Equatable {
        let id: String?
        let name: String?
        let data: String

        /// The message id inside `data` (JSON 2.1).
        var messageId: String? {
            (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["id"] as? String
        }
    }

    private struct State {
        var text = ""
        var events: [Event] = []
        var comments = 0
        var status: Int?
        var contentType: String?
        var ended = false
    }

    let user: String
    let key: String
    private let http = HTTPClient(eventLoopGroupProvider: .singleton)
    private let state = Mutex(State())
    private let reader = Mutex<Task<Void, Never>?>(nil)

    private init(user: String, key: String) {
        self.user = user
        self.key = key
    }

    /// Opens the stream; returns once the response head arrived.
    static func open(_ user: String, key: String?, accept: String = "text/event-stream") async throws -> EventStreamClient {
        let client = EventStreamClient(user: user, key: key ?? "")
        var request = HTTPClientRequest(url: try TestStack.publicURL() + "/events")
        request.headers.add(name: "accept", value: accept)
        if let key { for (name, value) in TestStack.credentials(user, key) { request.headers.add(name: name, value: value) } }
        let task = Task { [client] in
            do {
                let response = try await client.http.execute(request, timeout: .hours(1))
                client.state.withLock {
                    $0.status = Int(response.status.code)
                    $0.contentType = response.headers.first(name: "content-type")
                }
                for try await chunk in response.body { client.received(String(buffer: chunk)) }
            } catch {}
            client.state.withLock { $0.ended = true }
        }
        client.reader.withLock { $0 = task }
        try await eventually("the response head of /events") { client.status != nil || client.hasEnded }
        return client
    }

    var status: Int? { state.withLock { $0.status } }
    var contentType: String? { state.withLock { $0.contentType } }
    var events: [Event] { state.withLock { $0.events } }
    var comments: Int { state.withLock { $0.comments } }
    var hasEnded: Bool { state.withLock { $0.ended } }

    func waitForEvent(_ what: String, timeout: Duration = .seconds(20), where predicate: @escaping @Sendable (Event) -> Bool) async throws -> Event {
        try await eventually(timeout: timeout, what) { self.events.contains(where: predicate) }
        return events.first(where: predicate)!
    }

    /// Drops the stream as a closed tab or a lost network would: the connection goes away.
    func drop() async {
        reader.withLock { $0?.cancel() }
        try? await http.shutdown()
    }

    /// Acks a message as a client that has no socket does: CLIENT_ACK through `POST /send`.
    func acknowledge(_ id: String) async throws -> Int {
        let ack = #"{"_v":2.1,"id":"\#(id)","head":{"type":"INDIVIDUAL","to":"server","contentType":"CLIENT_ACK"}}"#
        let body = try JSONSerialization.data(withJSONObject: [ack])
        let (status, _) = try await TestStack.request("POST", "/send", body: body, headers: TestStack.credentials(user, key))
        return status
    }

    /// Splits what arrived into events and comments (the SSE format: fields up to a blank line).
    private func received(_ text: String) {
        state.withLock { state in
            state.text += text
            while let end = state.text.range(of: "\n\n") {
                let block = state.text[..<end.lowerBound]
                state.text.removeSubrange(..<end.upperBound)
                var id: String?, name: String?, data: [String] = []
                var isComment = true
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { continue }
                    isComment = false
                    let field = line.split(separator: ":", maxSplits: 1).map(String.init)
                    let value = field.count > 1 ? String(field[1].drop { $0 == " " }) : ""
                    switch field.first {
                    case "id": id = value
                    case "event": name = value
                    case "data": data.append(value)
                    default: break
                    }
                }
                if isComment { state.comments += 1 } else { state.events.append(Event(id: id, name: name, data: data.joined(separator: "\n"))) }
            }
        }
    }
}
