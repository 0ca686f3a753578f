import Broker
import ChatProtocol
import Contracts
import Logging
import Metrics
import Pages
import Pipeline
import ServiceKit

/// group-router's handling of a message to a page (Docs/PROTOCOL.md "Messages to a page"):
/// reads the page as it is now, so a change of its agents is in force for the next message,
/// and puts one copy per recipient on `send-message` (`system-message` for notifications),
/// keyed by recipient, so each is delivered like a one-to-one message.
struct PageFanOut: Sendable {
    let store: PageStore
    let producer: BrokerProducer
    let outputs: OutputResolver
    let notices: SenderNotices
    let topics: TopicOptions

    private let copies = Counter(label: "page_router_copies_total")
    private let refused = Counter(label: "page_router_refused_total")

    init(store: PageStore, producer: BrokerProducer, outputs: OutputResolver, notices: SenderNotices, topics: TopicOptions) {
        self.store = store
        self.producer = producer
        self.outputs = outputs
        self.notices = notices
        self.topics = topics
    }

    func handle(_ message: ChatMessage, record: ConsumedMessage, trackId: String, log: Logger) async {
        guard let page = await retrying("reading the page", logger: log, { try await store.find(message.destination) }) else {
            return
        }
        let planned: [PageCopy]
        do {
            planned = try PageMessages.copies(of: message, to: page)
        } catch {
            refused.increment()
            log.info("refused a page message", metadata: ["page": "\(message.destination)", "sender": "\(message.source)", "reason": "\(error.reason)"])
            return await notices.tell(message, code: error.statusCode, reason: error.reason, record: record, trackId: trackId, log: log)
        }
        let topic = message.type == .notification ? topics.systemMessageTopic : topics.sendMessageTopic
        var receipts: [ProduceReceipt] = []
        do {
            for copy in planned {
                let headers = copy.agent.map { [BrokerHeader(name: RecordHeaders.pageAgent, string: $0)] } ?? []
                receipts.append(
                    try await producer.enqueue(copy.message, topic: topic, key: copy.recipient, trackId: trackId, headers: headers))
            }
        } catch {
            // Unresolved: replayed after a restart (copies already enqueued repeat with the same id).
            log.error("could not enqueue page copies", metadata: ["reason": "\(error)"])
            return
        }
        copies.increment(by: receipts.count)
        outputs.track(record, outputs: receipts, trackId: trackId)
    }
}
