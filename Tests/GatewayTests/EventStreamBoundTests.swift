import ChatProtocol
@testable import Gateway
import NIOCore
import NIOEmbedded
import XCTest

/// An event stream holds at most `maxPendingBytes` of events its response has not written:
/// a client that stops reading gets its stream closed, not an ever-growing queue.
final class EventStreamBoundTests: XCTestCase {
    private let message = ChatMessage.errorFrame(id: "m1", to: "alice", code: 400, reason: String(repeating: "x", count: 200))

    func testAStreamWhoseClientStopsReadingIsClosedPastTheBound() async throws {
        // The response that would read the events never does (but holds them).
        let (connection, channel, events) = try await openStream(maxPendingBytes: 2_000)
        var taken = 0
        while connection.startDelivery(message) != nil { taken += 1 }
        let eventBytes = EventStreamFormat.event(message).readableBytes
        XCTAssertEqual(taken, 2_000 / eventBytes, "events up to the bound are taken")
        XCTAssertTrue(connection.stoppedReading)
        for _ in 0..<200 where channel.isActive { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertFalse(channel.isActive, "the stream's channel is closed")
        XCTAssertNil(connection.startDelivery(message), "a closed stream takes nothing more")
        withExtendedLifetime(events) {}
    }

    func testAStreamWhoseResponseKeepsUpIsNeverClosed() async throws {
        let (connection, channel, events) = try await openStream(maxPendingBytes: 2_000)
        var iterator = events.makeAsyncIterator()
        for _ in 0..<100 {
            XCTAssertNotNil(connection.startDelivery(message))
            let next = await iterator.next()
            let chunk = try XCTUnwrap(next)
            connection.eventStreamWrote(chunk.readableBytes)
        }
        XCTAssertFalse(connection.stoppedReading)
        XCTAssertTrue(channel.isActive)
    }

    private func openStream(maxPendingBytes: Int) async throws -> (ClientConnection, NIOAsyncTestingChannel, AsyncStream<ByteBuffer>) {
        let connection = ClientConnection(user: "alice", format: .text, wantsServerAcks: false)
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8103))
        let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
        connection.openEventStream(continuation, on: channel, maxPendingBytes: maxPendingBytes)
        return (connection, channel, events)
    }
}
