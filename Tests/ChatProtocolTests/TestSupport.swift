import ChatProtocol
import Foundation

/// Hex as printed by `xxd -p`, the form the expected vectors were produced in with
/// `protoc --encode --deterministic_output`.
func hex(_ data: Data) -> String {
    data.map { byte in
        let digits = String(byte, radix: 16)
        return byte < 16 ? "0" + digits : digits
    }.joined()
}

func bytes(_ hexString: String) -> Data {
    var data = Data()
    var index = hexString.startIndex
    while index < hexString.endIndex {
        let next = hexString.index(index, offsetBy: 2)
        if let byte = UInt8(hexString[index..<next], radix: 16) { data.append(byte) }
        index = next
    }
    return data
}

func text(_ data: Data) -> String {
    String(decoding: data, as: UTF8.self)
}

func decodeJSON(_ frame: String, user: String = "alice", receivedAt: UInt64 = 0) throws(ProtocolError) -> ChatMessage {
    try ChatMessage(json: Data(frame.utf8), authenticatedUser: user, receivedAt: receivedAt)
}

/// The error a JSON frame is rejected with, or nil when it decodes.
func jsonError(_ frame: Data, user: String = "alice") -> ProtocolError? {
    do throws(ProtocolError) {
        _ = try ChatMessage(json: frame, authenticatedUser: user, receivedAt: 0)
        return nil
    } catch {
        return error
    }
}

extension ProtocolError {
    var isMalformedJSON: Bool {
        if case .malformedJSON = self { return true }
        return false
    }

    var isInvalidProtobuf: Bool {
        if case .invalidProtobuf = self { return true }
        return false
    }
}
