import ChatProtocol
@testable import Gateway
import XCTest

final class ConnectionRegistryTests: XCTestCase {
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
