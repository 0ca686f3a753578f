import Broker
import ChatProtocol
import Contracts
import Foundation
import Logging
import Metrics
import ServiceKit

/// Turns one client message (a WebSocket frame or one element of a REST batch) into a
/// broker record: decode, check, stamp, enqueue. Shared by both entry points so they
/// cannot drift apart.
struct MessageIntake: Sendable {
    enum Outcome: Sendable {
        /// Enqueued; the server ack may go out once `receipt` reports success.
        case accepted(ChatMessage, ProduceReceipt)
        /// A CLIENT_ACK, enqueued on `client-ack`; it never gets a server ack.
        case clientAck(ChatMessage, ProduceReceipt)
        /// Refused: send this error frame instead of a server ack (nil: stay silent).
        case rejected(ChatMessage?)
    }

    let producer: BrokerProducer
    let newMessageTopic: String
    let clientAckTopic: String
    let gatewayId: String
    let maxMessageBytes: Int
    let logger: Logger
    private let acceptOrder = AcceptSequence()
    private let accepted = Counter(label: "gateway_messages_accepted_total")
    private let rejectedCounter = Counter(label: "gateway_messages_rejected_total")

    init(producer: BrokerProducer, topics: TopicOptions, gatewayId: String, maxMessageBytes: Int, logger: Logger) {
        self.producer = producer
        self.newMessageTopic = topics.newMessageTopic
        self.clientAckTopic = topics.clientAckTopic
        self.gatewayId = gatewayId
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    /// Checks a message before anything is enqueued, so a REST batch can be refused whole.
    func decode(_ bytes: Data, format: FrameFormat, user: String) -> Result<ChatMessage, Rejection> {
        guard bytes.count <= maxMessageBytes else {
            return .failure(Rejection(
                id: format.messageId(inUndecodable: bytes), error: .tooLarge(size: bytes.count, limit: maxMessageBytes)))
        }
        do {
            var message = try format.decode(bytes, user: user)
            guard message.type != .serverAck else {
                return .failure(Rejection(id: message.id, error: .invalidValue(field: "head.contentType", value: "SERVER_ACK")))
            }
            message.serverId = "\(gatewayId):\(UUID().uuidString.lowercased())"
            let sequence = acceptOrder.next()
            message.acceptSequence = sequence
            message.serverTimestamp = sequence / 1000
            return .success(message)
        } catch {
            return .failure(Rejection(id: format.messageId(inUndecodable: bytes), error: error))
        }
    }

    func enqueue(_ message: ChatMessage, trackId: String) async -> Outcome {
        do {
            let (topic, key) = destination(of: message)
            return outcome(of: message, try await producer.enqueue(message, topic: topic, key: key, trackId: trackId))
        } catch {
            return refused(message, trackId: trackId, error)
        }
    }

    /// `enqueue` without waiting: nil when the producer's local queue is full, so the
    /// caller must take the waiting path. Never blocks (an event loop calls it).
    func enqueueIfRoom(_ message: ChatMessage, trackId: String) -> Outcome? {
        do {
            let (topic, key) = destination(of: message)
            return try producer.enqueueIfRoom(message, topic: topic, key: key, trackId: trackId).map { outcome(of: message, $0) }
        } catch {
            return refused(message, trackId: trackId, error)
        }
    }

    private func destination(of message: ChatMessage) -> (topic: String, key: String) {
        message.type == .clientAck ? (clientAckTopic, message.source) : (newMessageTopic, message.destination)
    }

    private func outcome(of message: ChatMessage, _ receipt: ProduceReceipt) -> Outcome {
        if message.type == .clientAck { return .clientAck(message, receipt) }
        accepted.increment()
        return .accepted(message, receipt)
    }

    private func refused(_ message: ChatMessage, trackId: String, _ error: any Error) -> Outcome {
        logger.tracking(trackId).error("could not enqueue a message", metadata: ["reason": "\(error)"])
        return .rejected(ChatMessage.errorFrame(id: message.id, to: message.source, code: 503, reason: "temporarily unable to accept messages"))
    }

    func reject(_ rejection: Rejection, user: String) -> Outcome {
        rejectedCounter.increment()
        logger.notice("rejected a client message", metadata: ["user": "\(user)", "reason": "\(rejection.error.description)"])
        return .rejected(ChatMessage.errorFrame(id: rejection.id, to: user, error: rejection.error))
    }

    struct Rejection: Error {
        let id: String?
        let error: ProtocolError
    }
}
