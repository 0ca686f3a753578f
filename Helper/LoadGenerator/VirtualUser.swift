import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore

/// One simulated app: a WebSocket speaking JSON 2.1 that sends what it is told to, acks
/// what it receives, and reports everything to the run's tally.
final class VirtualUser: Sendable {
    let name: String
    private let outgoing: AsyncStream<WebSocketOutboundWriter.OutboundFrame>.Continuation
    private let frames: AsyncStream<WebSocketOutboundWriter.OutboundFrame>
    private let tally: RunTally
    private let measuring: @Sendable () -> Bool
    /// Deliveries are told to the tally as `<id>@<name>`: for runs where one message reaches
    /// many recipients (a page's agents) and each copy counts.
    private let countsEachRecipient: Bool

    init(name: String, tally: RunTally, measuring: @escaping @Sendable () -> Bool, countsEachRecipient: Bool = false) {
        self.name = name
        self.tally = tally
        self.measuring = measuring
        self.countsEachRecipient = countsEachRecipient
        (frames, outgoing) = AsyncStream<WebSocketOutboundWriter.OutboundFrame>.makeStream()
    }

    /// Connects and runs until `close()`; `opened` is resumed once the socket is up.
    func run(url: String, key: String, opened: @escaping @Sendable (Error?) -> Void) async {
        var headers = HTTPFields()
        headers[HTTPField.Name("user")!] = name
        headers[HTTPField.Name("accesskey")!] = key
        var logger = Logger(label: "virtual-user")
        logger.logLevel = .critical
        do {
            try await WebSocketClient.connect(
                url: url, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers),
                logger: logger
            ) { [self] inbound, outbound, _ in
                opened(nil)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await frame in self.frames { try await outbound.write(frame) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { self.receive(text) }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            opened(error)
        }
    }

    /// `text` goes into the JSON as it is: no quotes or backslashes. An `ephemeral` message
    /// is never stored: not for an offline recipient, not in the history.
    func send(to recipient: String, id: String, text: String = "load test message", ephemeral: Bool = false) {
        let now = Clock.microseconds()
        tally.sent(id, at: now, measured: measuring())
        outgoing.yield(.text(
            #"{"_v":2.1,"id":"\#(id)","head":{"type":"INDIVIDUAL","to":"\#(recipient)","from":"\#(name)","contentType":"TEXT","chatid":"\#(name)","ephemeral":\#(ephemeral)},"meta":{"sentAt":\#(now)},"body":{"text":"\#(text)"}}"#
        ))
    }

    /// A message to a page (Docs/PROTOCOL.md "Messages to a page"), in the sender's own thread.
    func send(toPage page: String, id: String, text: String = "load test message") {
        let now = Clock.microseconds()
        tally.sent(id, at: now, measured: measuring())
        outgoing.yield(.text(
            #"{"_v":2.1,"id":"\#(id)","head":{"type":"PAGE","to":"\#(page)","from":"\#(name)","contentType":"TEXT"},"meta":{"sentAt":\#(now)},"body":{"text":"\#(text)"}}"#
        ))
    }

    func close() {
        outgoing.finish()
    }

    private func receive(_ text: String) {
        let now = Clock.microseconds()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
            let id = object["id"] as? String, let head = object["head"] as? [String: Any]
        else { return tally.error("unreadable frame") }
        if head["from"] as? String == "server" {
            switch head["contentType"] as? String {
            case "SERVER_ACK": tally.serverAcked(id, at: now)
            default:
                let body = object["body"] as? [String: Any]
                tally.error("error \(body?["code"] ?? "?"): \(body?["error"] ?? "?")")
            }
            return
        }
        let sentAt = ((object["meta"] as? [String: Any])?["sentAt"] as? NSNumber)?.uint64Value
        tally.delivered(countsEachRecipient ? "\(id)@\(name)" : id, sentAt: sentAt, at: now)
        outgoing.yield(.text(#"{"_v":2.1,"id":"\#(id)","head":{"type":"INDIVIDUAL","to":"server","contentType":"CLIENT_ACK"}}"#))
    }
}
