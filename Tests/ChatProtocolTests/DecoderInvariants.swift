import ChatProtocol
import Foundation

/// What must hold for any input to any decoder: it decodes to a message the rest of the
/// system can use (and that survives re-encoding), or it fails with a clear client error.
/// Returns the broken rules, empty when all hold; a crash or hang fails the test run itself.
enum DecoderInvariants {
    static let user = "alice"
    static let receivedAt: UInt64 = 1_700_000_000_000

    static func violations(decoding input: Data) -> [String] {
        var found: [String] = []
        do throws(ProtocolError) {
            let message = try ChatMessage(json: input, authenticatedUser: user, receivedAt: receivedAt)
            found += jsonMessageViolations(message)
        } catch {
            found += errorViolations(error, decoder: "json")
        }
        _ = ChatMessage.messageId(inJSONFrame: input)
        do throws(ProtocolError) {
            found += clientProtobufViolations(try ChatMessage(clientProtobuf: input, authenticatedUser: user))
        } catch {
            found += errorViolations(error, decoder: "clientProtobuf")
        }
        do throws(ProtocolError) {
            let message = try ChatMessage(protobuf: input)
            if (try? ChatMessage(protobuf: message.protobufData()))?.protobufData() != message.protobufData() {
                found.append("protobuf: re-encoding changes the message")
            }
        } catch {
            found += errorViolations(error, decoder: "protobuf")
        }
        do throws(ProtocolError) {
            let state = try ConnectionState(protobuf: input)
            if (try? ConnectionState(protobuf: state.protobufData())) != state {
                found.append("connection state: re-encoding changes it")
            }
        } catch {
            found += errorViolations(error, decoder: "connection state")
        }
        do throws(ProtocolError) {
            let login = try LoginEvent(protobuf: input)
            if (try? LoginEvent(protobuf: login.protobufData()))?.protobufData() != login.protobufData() {
                found.append("login: re-encoding changes it")
            }
        } catch {
            found += errorViolations(error, decoder: "login")
        }
        return found
    }

    /// Decoders only ever refuse with 400 or 403 and a readable reason; 413 is the gateway's.
    static func errorViolations(_ error: ProtocolError, decoder: String) -> [String] {
        var found: [String] = []
        if error.description.isEmpty { found.append("\(decoder): empty error description") }
        if ![400, 403].contains(error.statusCode) { found.append("\(decoder): status \(error.statusCode) for \(error)") }
        return found
    }

    static func jsonMessageViolations(_ message: ChatMessage) -> [String] {
        var found = acceptedMessageViolations(message, decoder: "json")
        if message.timestamp != receivedAt { found.append("json: timestamp is not the receive time") }
        if !message.version.isFinite { found.append("json: version \(message.version)") }
        if (try? ChatMessage(protobuf: message.protobufData())) != message {
            found.append("json: the broker encoding does not give the message back")
        }
        if !message.content.isEmpty, reparsed(body: message.content) != message.content {
            found.append("json: content is not canonical JSON")
        }
        if let reread = outboundReread(message) {
            if reread.type != message.type { found.append("json: outbound frame reads back as \(reread.type)") }
            if !message.content.isEmpty, reread.content != message.content {
                found.append("json: outbound frame changes the content")
            }
        }
        return found
    }

    static func clientProtobufViolations(_ message: ChatMessage) -> [String] {
        var found = acceptedMessageViolations(message, decoder: "clientProtobuf")
        if (try? ChatMessage(protobuf: message.protobufData()))?.protobufData() != message.protobufData() {
            found.append("clientProtobuf: re-encoding changes the message")
        }
        return found
    }

    /// Rules for any client message the gateway would accept.
    private static func acceptedMessageViolations(_ message: ChatMessage, decoder: String) -> [String] {
        var found: [String] = []
        if message.source != user { found.append("\(decoder): source \(message.source) is not the user") }
        if message.id.isEmpty { found.append("\(decoder): empty id") }
        if message.destination.isEmpty { found.append("\(decoder): empty destination") }
        if !message.serverId.isEmpty || message.serverTimestamp != 0 { found.append("\(decoder): server fields set") }
        if let clientMeta = message.clientMeta, reparsed(meta: clientMeta) != clientMeta {
            found.append("\(decoder): client meta is not a canonical JSON object")
        }
        if let reread = outboundReread(message) {
            if reread.id != message.id || reread.destination != message.destination || reread.channel != message.channel
                || reread.ephemeral != message.ephemeral || reread.clientMeta != message.clientMeta
            {
                found.append("\(decoder): the outbound frame does not read back as the same message")
            }
        } else {
            found.append("\(decoder): the outbound frame is not a valid inbound frame")
        }
        return found
    }

    /// What a JSON client that sent the outbound frame back would produce.
    private static func outboundReread(_ message: ChatMessage) -> ChatMessage? {
        try? ChatMessage(json: message.outboundJSON(), authenticatedUser: message.source, receivedAt: receivedAt)
    }

    private static func reparsed(body: Data) -> Data? {
        let frame = Data(#"{"_v":2.1,"id":"r","head":{"to":"r"},"body":"#.utf8) + body + Data("}".utf8)
        return (try? ChatMessage(json: frame, authenticatedUser: user, receivedAt: 0))?.content
    }

    private static func reparsed(meta: Data) -> Data? {
        let frame = Data(#"{"_v":2.1,"id":"r","head":{"to":"r"},"meta":"#.utf8) + meta + Data("}".utf8)
        return (try? ChatMessage(json: frame, authenticatedUser: user, receivedAt: 0))?.clientMeta
    }
}
