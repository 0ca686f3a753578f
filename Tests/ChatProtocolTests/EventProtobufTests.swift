import ChatProtocol
import Foundation
import Testing

@Suite struct EventProtobufTests {
    static let connection = ConnectionState(
        user: "alice", state: .disconnected, gateway: "gw-1", gatewayInternalURL: "http://gw-1:8081",
        connectionId: "c-7", timestamp: 1_700_000_000_000)
    /// protoc --encode=vartalap.UserConnectionState of the value above.
    static let connectionHex =
        "0a05616c69636510021a0467772d312210687474703a2f2f67772d313a383038312a03632d373080d095ffbc31"

    @Test func connectionStateVector() throws {
        #expect(hex(Self.connection.protobufData()) == Self.connectionHex)
        #expect(try ConnectionState(protobuf: bytes(Self.connectionHex)) == Self.connection)
    }

    /// The original server's three-field form still decodes.
    @Test func originalConnectionStateDecodes() throws {
        let state = try ConnectionState(protobuf: bytes("0a03626f621a0467772d32"))
        #expect(state == ConnectionState(
            user: "bob", state: .connected, gateway: "gw-2", gatewayInternalURL: "", connectionId: "", timestamp: 0))
    }

    @Test func loginVector() throws {
        let login = LoginEvent(user: "alice", deviceId: "default", notificationToken: "tok", messageVersion: 2.1)
        let expectedHex = "0a05616c696365120764656661756c741a03746f6b2566660640"
        #expect(hex(login.protobufData()) == expectedHex)
        #expect(try LoginEvent(protobuf: bytes(expectedHex)) == login)
    }

    @Test func truncatedEvents() {
        #expect(throws: ProtocolError.invalidProtobuf("truncated")) {
            try LoginEvent(protobuf: bytes("0a05616c69"))
        }
        #expect(throws: ProtocolError.invalidProtobuf("truncated")) {
            try ConnectionState(protobuf: bytes(Self.connectionHex).prefix(4))
        }
    }
}
