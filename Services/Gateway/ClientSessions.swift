import ChatProtocol
import Contracts
import Foundation
import Logging
import Metrics
import ServiceKit

/// What the gateway does for a client's socket once it speaks WebSocket: registers it and
/// announces it, takes its messages in (server ack once the broker has them), and forgets
/// and announces it when it goes.
struct ClientSessions: Sendable {
    let intake: MessageIntake
    let registry: ConnectionRegistry
    let acks: AwaitedAcks
    let events: ConnectionEvents
    let rateLimitPerSecond: Int
    let logger: Logger
    private let openConnections = Gauge(label: "gateway_open_connections")

    init(
        intake: MessageIntake, registry: ConnectionRegistry, acks: AwaitedAcks, events: ConnectionEvents, rateLimitPerSecond: Int,
        logger: Logger
    ) {
        self.intake = intake
        self.registry = registry
        self.acks = acks
        self.events = events
        self.rateLimitPerSecond = rateLimitPerSecond
        self.logger = logger
    }

    var actions: SocketActions {
        let sessions = self
        return SocketActions(
            opened: { await sessions.opened($0) },
            receivedAtOnce: { sessions.receivedAtOnce($0, from: $1) },
            received: { await sessions.received($0, from: $1) },
            rateLimited: { await sessions.rateLimited($0, from: $1) },
            closed: { await sessions.closed($0) })
    }

    func opened(_ connection: ClientConnection) async {
        registry.add(connection)
        openConnections.record(registry.count)
        await events.publish(.connected, connection)
    }

    func closed(_ connection: ClientConnection) async {
        registry.remove(connection)
        openConnections.record(registry.count)
        await events.publish(.disconnected, connection)
    }

    func rateLimited(_ bytes: Data, from connection: ClientConnection) async {
        logger.notice("rate limit exceeded", metadata: ["user": "\(connection.user)"])
        connection.send(ChatMessage.errorFrame(
            id: connection.format.messageId(inUndecodable: bytes), to: connection.user, code: 429,
            reason: "rate limit exceeded: at most \(rateLimitPerSecond) messages per second"))
    }

    /// Takes a message in without waiting: decode, check, enqueue if the producer has
    /// room. False (nothing done) when it has none; `received` then waits for room.
    func receivedAtOnce(_ bytes: Data, from connection: ClientConnection) -> Bool {
        switch intake.decode(bytes, format: connection.format, user: connection.user) {
        case .failure(let rejection):
            answer(intake.reject(rejection, user: connection.user), on: connection)
        case .success(let message):
            guard let outcome = intake.enqueueIfRoom(message, trackId: TrackId.make()) else { return false }
            answer(outcome, on: connection)
        }
        return true
    }

    func received(_ bytes: Data, from connection: ClientConnection) async {
        switch intake.decode(bytes, format: connection.format, user: connection.user) {
        case .failure(let rejection):
            answer(intake.reject(rejection, user: connection.user), on: connection)
        case .success(let message):
            answer(await intake.enqueue(message, trackId: TrackId.make()), on: connection)
        }
    }

    private func answer(_ outcome: MessageIntake.Outcome, on connection: ClientConnection) {
        switch outcome {
        case .rejected(let errorFrame):
            if let errorFrame { connection.send(errorFrame) }
        case .clientAck(let ack, _):
            acks.acknowledged(ack.id, by: connection.user)
        case .accepted(let message, let receipt):
            // Acks are sent once the broker has the message; waiting for that off the
            // socket's queue keeps a connection's messages pipelined. The broker's report
            // writes the ack itself: a task per message waiting for it cost a thread
            // wake-up each.
            guard connection.wantsServerAcks else { return }
            receipt.whenDone { result in
                switch result {
                case .success:
                    connection.send(ChatMessage.serverAck(for: message))
                case .failure:
                    connection.send(ChatMessage.errorFrame(
                        id: message.id, to: connection.user, code: 503, reason: "message not stored, send it again"))
                }
            }
        }
    }
}
