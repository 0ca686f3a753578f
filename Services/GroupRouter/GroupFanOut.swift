import Broker
import ChatProtocol
import Contracts
import Foundation
import Groups
import Logging
import Metrics
import Pages
import Pipeline
import ServiceKit

/// group-router's handling of one `new-group-message` record (Docs/LIFECYCLE.md, "Group messages"):
/// a change marker drops the cached member list; a group change sent as a message goes to
/// group-ms; any other message is copied to every member but the sender, keyed by member,
/// after checking the sender is a member (if not, the sender gets an error notification).
/// A message to a page goes to `PageFanOut`.
struct GroupFanOut: Sendable {
    let cache: MemberCache
    let actions: GroupActionClient
    let pages: PageFanOut
    let producer: BrokerProducer
    let outputs: OutputResolver
    let notices: SenderNotices
    let deadLetters: DeadLetters
    let topics: TopicOptions
    let logger: Logger
    let resolve: @Sendable (ConsumedMessage) -> Void

    private let copies = Counter(label: "group_router_copies_total")
    private let refused = Counter(label: "group_router_refused_total")

    init(
        cache: MemberCache, actions: GroupActionClient, pages: PageStore, producer: BrokerProducer, outputs: OutputResolver,
        deadLetters: DeadLetters, topics: TopicOptions, logger: Logger, resolve: @escaping @Sendable (ConsumedMessage) -> Void
    ) {
        self.cache = cache
        self.actions = actions
        self.producer = producer
        self.outputs = outputs
        notices = SenderNotices(producer: producer, outputs: outputs, topic: topics.systemMessageTopic)
        self.pages = PageFanOut(store: pages, producer: producer, outputs: outputs, notices: notices, topics: topics)
        self.deadLetters = deadLetters
        self.topics = topics
        self.logger = logger
        self.resolve = resolve
    }

    func handle(_ record: ConsumedMessage) async {
        let trackId = TrackId.of(record)
        let log = logger.tracking(trackId)
        if let groupId = record.headers.value(for: GroupChangeMarker.header) {
            await cache.invalidate(groupId)
            return resolve(record)
        }
        guard let message = try? ChatMessage(protobuf: record.value), !message.id.isEmpty, !message.source.isEmpty,
            !message.destination.isEmpty
        else {
            await deadLetters.park(record, reason: "undecodable or incomplete group message")
            return
        }
        if message.channel == .page {
            return await pages.handle(message, record: record, trackId: trackId, log: log)
        }
        if let action = GroupAction.request(from: message) {
            return await apply(action, of: message, record: record, trackId: trackId, log: log)
        }
        await fanOut(message, record: record, trackId: trackId, log: log)
    }

    private func fanOut(_ message: ChatMessage, record: ConsumedMessage, trackId: String, log: Logger) async {
        guard
            let group = await retrying("reading the group", logger: log, { try await cache.group(message.destination) })
        else { return }
        guard let group, group.isMember(message.source) else {
            refused.increment()
            log.info("refused a group message from a non-member", metadata: ["group": "\(message.destination)", "sender": "\(message.source)"])
            return await notices.tell(message, code: 403, reason: "not a member of group \(message.destination)", record: record, trackId: trackId, log: log)
        }
        let topic = message.type == .notification ? topics.systemMessageTopic : topics.sendMessageTopic
        var receipts: [ProduceReceipt] = []
        do {
            for member in group.memberNames where member != message.source {
                receipts.append(try await producer.enqueue(message, topic: topic, key: member, trackId: trackId))
            }
        } catch {
            // Unresolved: replayed after a restart (copies already enqueued repeat with the same id).
            log.error("could not enqueue group copies", metadata: ["reason": "\(error)"])
            return
        }
        copies.increment(by: receipts.count)
        outputs.track(record, outputs: receipts, trackId: trackId)
    }

    private func apply(_ action: Data, of message: ChatMessage, record: ConsumedMessage, trackId: String, log: Logger) async {
        guard let outcome = await retrying("applying a group change", logger: log, { try await actions.apply(action, trackId: trackId) })
        else { return }
        switch outcome {
        case .applied:
            log.info("applied a group change sent as a message", metadata: ["group": "\(message.destination)", "action": "\(message.meta["action"] ?? "")"])
            resolve(record)
        case .refused(let code, let reason):
            refused.increment()
            await notices.tell(message, code: code, reason: reason, record: record, trackId: trackId, log: log)
        }
    }
}
