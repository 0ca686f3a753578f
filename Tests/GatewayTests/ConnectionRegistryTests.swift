import ChatProtocol
import NIOCore
import NIOEmbedded
@testable import Gateway
import XCTest

final class ConnectionRegistryTests: XCTestCase {
    /// A stopping gateway ends its event streams (responses the server would wait for); its
    /// sockets close with the public port, later.
    func testFinishingEventStreamsEndsStreamsOnly() async throws {
        let registry = ConnectionRegistry()
        let stream = ClientConnection(user: "alice", format: .text, wantsServerAcks: false)
        let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let streamChannel = NIOAsyncTestingChannel()
        stream.openEventStream(continuation, on: streamChannel, maxPendingBytes: 1 << 20)
        let socket = ClientConnection(user: "alice", format: .text, wantsServerAcks: true)
        let channel = NIOAsyncTestingChannel()
        socket.open(on: channel)
        [stream, socket].forEach(registry.add)
        let message = ChatMessage.errorFrame(id: "m1", to: "alice", code: 400, reason: "test")
        XCTAssertNotNil(stream.startDelivery(message), "an open stream takes events")

        registry.finishEventStreams()
        XCTAssertNil(stream.startDelivery(message), "a finished stream still took an event")
        var received = 0
        for await _ in events { received += 1 }  // ends: the stream was finished
        XCTAssertEqual(received, 1)
        XCTAssertNotNil(socket.startDelivery(message), "the socket was closed too")
    }

    func testClosingOneConnectionKeepsTheUsersOthers() {
        let registry = ConnectionRegistry()
        let phone = ClientConnection(user: "alice", format: .text, wantsServerAcks: true)
        let laptop = ClientConnection(user: "alice", format: .binary, wantsServerAcks: false)
        let other = ClientConnection(user: "bob", format: .text, wantsServerAcks: true)
        [phone, laptop, other].forEach(registry.add)
        XCTAssertEqual(Set(registry.connections(of: "alice").map(\.id)), [phone.id, laptop.id])
        registry.remove(phone)
        XCTAssertEqual(registry.connections(of: "alice").map(\.id), [laptop.id])
        XCTAssertEqual(registry.connections(of: "bob").map(\.id), [other.id])
        registry.remove(laptop)
        XCTAssertTrue(registry.connections(of: "alice").isEmpty)
        XCTAssertEqual(registry.count, 1)
    }

    func testADeliveryToAClosedConnectionReportsNotWritten() async {
        let connection = ClientConnection(user: "alice", format: .text, wantsServerAcks: true)
        connection.finish()
        let written = await reachedSocket(connection, .errorFrame(id: "x", to: "alice", code: 400, reason: "test"))
        XCTAssertFalse(written)
    }
}

/// Whether a frame written to `connection` reached its socket.
func reachedSocket(_ connection: ClientConnection, _ message: ChatMessage) async -> Bool {
    guard let write = connection.startDelivery(message) else { return false }
    return (try? await write.get()) != nil
}
