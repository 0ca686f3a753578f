import Broker
import ChatProtocol
import Contracts
import Foundation
import Logging
import Metrics
import Pipeline
import ServiceKit

/// The V2 delivery state machine of Docs/LIFECYCLE.md: push each message to its recipient's
/// gateways, wait for the CLIENT_ACK, retry with backoff, and hand what cannot be
/// delivered to `offline-message`. A consumed record is resolved (so its offset may be
/// committed) only once its message is acked or durably handed on.
actor DeliveryCoordinator {
    struct AckKey: Hashable {
        let user: String
        let messageId: String
    }

    struct Pending {
        /// Every record carrying this message (duplicates share one delivery).
        var records: [ConsumedMessage]
        let recipient: String
        let message: ChatMessage
        let trackId: String
        /// Persistence holds a copy that the ack must delete.
        let hasStoredCopy: Bool
        /// A stored copy sent out because the recipient connected: that event's timestamp.
        let recipientConnectedAt: UInt64?
        /// This message already waited once for the recipient's connection event.
        var awaitedConnection = false
        var attempt = 0
        var ackTimer: Task<Void, Never>?
        /// How long this attempt's ack timer was extended because reading lagged behind.
        var patience: Duration = .zero
    }

    /// Marks a consumed record handled (the consumer may commit past it).
    private let resolve: @Sendable (ConsumedMessage) -> Void
    private let producer: BrokerProducer
    private let deadLetters: DeadLetters
    let directory: ConnectionDirectory
    private let gateways: any GatewayPusher
    let timer: DeliveryTimer
    let options: SessionOptions
    private let topics: TopicOptions
    let logger: Logger

    var pending: [AckKey: Pending] = [:]
    /// The last queued piece of work per user: new work waits for it, so one
    /// recipient's messages are pushed strictly in consumption order.
    private var chainTails: [String: (id: Int, task: Task<Void, Never>)] = [:]
    private var chainCounter = 0
    var readingLag = ReadingLag()
    /// Acks of stored copies from the last minute. Persistence can send one stored message
    /// twice: once when it is stored while its recipient is connected, again on the next
    /// CONNECTED if that comes before the first copy's ack deleted it. A copy of an acked
    /// message is not pushed again; its ack is handed on once more so the stored copy goes.
    private var storedCopyAcks = RecentEntries<AckKey, ChatMessage>(keptFor: .seconds(60), pruneThreshold: 10_000)
    /// Per user, stored copies that found no connection before the CONNECTED that sent
    /// them out was applied here, in the order they were tried, with the timer that ends
    /// their wait.
    var awaitingConnection: [String: (keys: [AckKey], timer: Task<Void, Never>)] = [:]
    /// What went to storage without reaching its recipient, and the newer messages held
    /// behind it (see `holdsBehindStorage`).
    var storageDebts = StorageDebts()
    var orderHolds: [String: OrderHold] = [:]
    var orderHoldCounter = 0

    private let deliveredCounter = Counter(label: "session_messages_delivered_total")
    private let offlineCounter = Counter(label: "session_messages_stored_offline_total")
    let retryCounter = Counter(label: "session_delivery_retries_total")
    private let lateAckCounter = Counter(label: "session_late_acks_total")
    private let repeatedCopyCounter = Counter(label: "session_stored_copies_already_acked_total")
    private let gatewaysGoneCounter = Counter(label: "session_gateways_gone_total")
    private let disconnectsPublishedCounter = Counter(label: "session_gone_gateway_disconnects_published_total")
    let awaitingGauge = Gauge(label: "session_deliveries_awaiting_connection")
    let waitsEndedByEvent = Counter(label: "session_connection_waits_total", dimensions: [("ended_by", "event")])
    let waitsEndedByTimeout = Counter(label: "session_connection_waits_total", dimensions: [("ended_by", "timeout")])
    let heldForOrderCounter = Counter(label: "session_messages_held_for_order_total")
    let orderWaitsTimedOutCounter = Counter(label: "session_order_waits_timed_out_total")

    init(
        resolve: @escaping @Sendable (ConsumedMessage) -> Void, producer: BrokerProducer, deadLetters: DeadLetters,
        directory: ConnectionDirectory, gateways: any GatewayPusher, timer: DeliveryTimer = .realTime,
        options: SessionOptions, topics: TopicOptions, logger: Logger
    ) {
        self.resolve = resolve
        self.producer = producer
        self.deadLetters = deadLetters
        self.directory = directory
        self.gateways = gateways
        self.timer = timer
        self.options = options
        self.topics = topics
        self.logger = logger
    }

    /// Takes records in consumption order; per-user work is chained so one recipient's
    /// messages are pushed in the order they were consumed.
    func handle(_ record: ConsumedMessage) async {
        let trackId = TrackId.of(record)
        readingLag.observe(producedAt: record.timestamp, nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), at: .now)
        switch record.topic {
        case topics.userConnectionStateTopic:
            guard let event = try? ConnectionState(protobuf: record.value) else {
                await deadLetters.park(record, reason: "undecodable connection state")
                return
            }
            chain(for: event.user) { [self] in await self.apply(event, record: record) }
        case topics.clientAckTopic:
            guard let ack = try? ChatMessage(protobuf: record.value), ack.type == .clientAck, !ack.source.isEmpty else {
                await deadLetters.park(record, reason: "not a client ack")
                return
            }
            await acknowledge(ack, record: record, trackId: trackId)
        default:
            guard let message = try? ChatMessage(protobuf: record.value), !message.destination.isEmpty, !message.id.isEmpty else {
                await deadLetters.park(record, reason: "undecodable or incomplete message")
                return
            }
            accept(message, record: record, trackId: trackId)
        }
    }

    private func accept(_ message: ChatMessage, record: ConsumedMessage, trackId: String) {
        // The record key is the recipient; for a group copy the message's destination is
        // the group, so the key is what says which member this copy is for.
        let key = AckKey(user: record.key ?? message.destination, messageId: message.id)
        if pending[key] != nil {
            pending[key]?.records.append(record)
            return
        }
        let isStoredCopy = record.headers.value(for: RecordHeaders.storedCopy) == "true"
        if isStoredCopy, let ack = storedCopyAcks.value(for: key) {
            repeatedCopyCounter.increment()
            chain(for: key.user) { [self] in
                await self.handOn(ack, topic: self.topics.offlineMessageTopic, key: ack.source, trackId: trackId, resolving: [record])
            }
            return
        }
        pending[key] = Pending(
            records: [record], recipient: key.user, message: message, trackId: trackId,
            hasStoredCopy: isStoredCopy,
            recipientConnectedAt: record.headers.value(for: RecordHeaders.recipientConnectedAt).flatMap { UInt64($0) })
        chain(for: key.user) { [self] in await self.attempt(key) }
    }

    /// `releasedFromHold`: the order hold let it go, so it is not held again for that.
    /// Returns whether a gateway took the message.
    @discardableResult
    func attempt(_ key: AckKey, releasedFromHold: Bool = false) async -> Bool {
        guard var entry = pending[key] else { return false }
        entry.attempt += 1
        entry.patience = .zero
        pending[key] = entry
        let attempt = entry.attempt
        let log = logger.tracking(entry.trackId)
        let urls = await directory.gatewayInternalURLs(of: key.user)
        if attempt == 1, !releasedFromHold,
            holdsBehindStorage(
                key, sentAt: entry.message.serverTimestamp, isStoredCopy: entry.hasStoredCopy, gateways: urls)
        {
            return false
        }
        var written = false
        for url in urls {
            let pushedAt = Date()
            switch await gateways.send(entry.message.protobufData(), to: key.user, at: url) {
            case .answered(.written): written = true
            case .answered(.noConnection): directory.forget(url, of: key.user)
            case .gatewayGone: await gatewayGone(url, refusedAt: pushedAt, log: log)
            case .answered(.error), .failed: break
            }
        }
        guard let current = pending[key], current.attempt == attempt else { return false }
        if written {
            log.debug(
                "pushed",
                metadata: [
                    "recipient": "\(key.user)", "id": "\(key.messageId)", "attempt": "\(attempt)",
                    "storedCopy": "\(current.hasStoredCopy)", "gateways": "\(urls)",
                ])
            armAckTimer(key, attempt: attempt, after: options.ackTimeout(attempt: attempt))
            if current.hasStoredCopy { await settleStoredCopy(key) }
            return true
        } else if let connectedAt = current.recipientConnectedAt, !current.awaitedConnection,
            !directory.hasAppliedEvent(of: key.user, since: connectedAt)
        {
            awaitConnection(key)
        } else {
            pending.removeValue(forKey: key)
            await storeOffline(current, reachedRecipient: false)
        }
        return false
    }

    /// A gateway that died published no DISCONNECTED for its sockets: the directory
    /// forgets them all at once, so no delivery tries it again (a restarted gateway at
    /// the same URL announces its new sockets with CONNECTED events), and session-ms
    /// publishes their DISCONNECTED events in its place, so persistence stops counting
    /// those users as connected (a message stored for one then waits for their next
    /// connect instead of being sent straight back out).
    private func gatewayGone(_ url: String, refusedAt: Date, log: Logger) async {
        guard let forgotten = await directory.gatewayGone(url, refusedAt: refusedAt) else { return }
        gatewaysGoneCounter.increment()
        log.warning("gateway refuses connections, forgot its sockets", metadata: ["gateway": "\(url)", "sockets": "\(forgotten.count)"])
        var receipts: [ProduceReceipt] = []
        for event in forgotten {
            if let receipt = try? await producer.enqueue(event, topic: topics.userConnectionStateTopic, trackId: TrackId.make()) {
                receipts.append(receipt)
            }
        }
        var published = 0
        for receipt in receipts where (try? await receipt.stored()) != nil { published += 1 }
        disconnectsPublishedCounter.increment(by: published)
        if published < forgotten.count {
            log.warning(
                "could not publish every DISCONNECTED of a gone gateway",
                metadata: ["gateway": "\(url)", "published": "\(published)", "sockets": "\(forgotten.count)"])
        }
    }

    private func acknowledge(_ ack: ChatMessage, record: ConsumedMessage, trackId: String) async {
        let key = AckKey(user: ack.source, messageId: ack.id)
        if let entry = pending.removeValue(forKey: key) {
            entry.ackTimer?.cancel()
            deliveredCounter.increment()
            entry.records.forEach(resolve)
            if !entry.hasStoredCopy {
                resolve(record)
                return
            }
            storedCopyAcks.set(ack, for: key)
        } else {
            lateAckCounter.increment()
        }
        if owesStoredCopies(to: key.user) {
            chain(for: key.user) { [self] in await self.settleStoredCopy(key) }
        }
        // The message may sit in offline storage (it went offline, or was redelivered
        // from there): the ack goes on so the stored copy is deleted.
        await handOn(ack, topic: topics.offlineMessageTopic, key: ack.source, trackId: trackId, resolving: [record])
    }

    /// `reachedRecipient`: a connection got the message but never acked it, so sending it
    /// straight back out would not help; persistence keeps it for the next connect.
    func storeOffline(_ entry: Pending, reachedRecipient: Bool) async {
        offlineCounter.increment()
        if entry.message.ephemeral {
            entry.records.forEach(resolve)
            return
        }
        if !reachedRecipient {
            owedFromStorage(entry.message.id, sentAt: entry.message.serverTimestamp, of: entry.recipient)
        }
        // Not through `tracking`: that builds a logger per message even with debug off.
        logger.debug(
            "handed to storage",
            metadata: [
                "recipient": "\(entry.recipient)", "id": "\(entry.message.id)", "reached": "\(reachedRecipient)",
                "storedCopy": "\(entry.hasStoredCopy)", TrackId.metadataKey: "\(entry.trackId)",
            ])
        var headers: [BrokerHeader] = []
        if entry.hasStoredCopy { headers.append(BrokerHeader(name: RecordHeaders.storedCopy, string: "true")) }
        if let connectedAt = entry.recipientConnectedAt {
            headers.append(BrokerHeader(name: RecordHeaders.recipientConnectedAt, string: String(connectedAt)))
        }
        if reachedRecipient { headers.append(BrokerHeader(name: RecordHeaders.unacknowledged, string: "true")) }
        await handOn(
            entry.message, topic: topics.offlineMessageTopic, key: entry.recipient, trackId: entry.trackId,
            headers: headers, resolving: entry.records)
    }

    /// Deliveries see the event at once; its record is resolved once the database copy
    /// holds it, so a crash before that replays it (the wait holds up nothing else).
    private func apply(_ event: ConnectionState, record: ConsumedMessage) {
        directory.apply(event) { [resolve] in resolve(record) }
        connectionEventApplied(event.user)
    }

    /// Produces and resolves `records` once the broker has it; a failure leaves them
    /// unresolved, so they are consumed again after a restart instead of being lost.
    private func handOn(
        _ message: ChatMessage, topic: String, key: String, trackId: String, headers: [BrokerHeader] = [],
        resolving records: [ConsumedMessage]
    ) async {
        do {
            try await producer.enqueue(message, topic: topic, key: key, trackId: trackId, headers: headers).stored()
            records.forEach(resolve)
        } catch {
            logger.tracking(trackId).error("could not hand a message on", metadata: ["topic": "\(topic)", "reason": "\(error)"])
        }
    }

    func chain(for user: String, _ work: @escaping @Sendable () async -> Void) {
        chainCounter += 1
        let id = chainCounter
        let previous = chainTails[user]?.task
        chainTails[user] = (id, Task { [self] in
            await previous?.value
            await work()
            self.chainFinished(user, id: id)
        })
    }

    private func chainFinished(_ user: String, id: Int) {
        if chainTails[user]?.id == id { chainTails.removeValue(forKey: user) }
    }
}
