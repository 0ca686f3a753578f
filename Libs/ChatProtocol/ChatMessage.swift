import Foundation

/// The envelope every service handles, whatever format the client spoke. It mirrors the
/// protobuf `Message` field for field; codecs for JSON and protobuf live beside it.
public struct ChatMessage: Sendable, Equatable {
    /// The envelope version the client used (1, 2.0, 2.1; binary clients send their own).
    public var version: Float
    /// The client's message id; duplicates of one message share it. Empty only in an error
    /// frame about a frame whose id could not be read.
    public var id: String
    public var type: MessageType
    public var channel: MessageChannel
    /// Ephemeral messages are delivered to live connections only, never stored.
    public var ephemeral: Bool
    /// The sender: always the authenticated user for client messages, `server` for frames the
    /// server makes.
    public var source: String
    /// A username or a group id.
    public var destination: String
    /// The JSON body as UTF-8 bytes.
    public var content: Data
    /// When the client sent it, in milliseconds since the epoch.
    public var timestamp: UInt64
    /// Head fields beyond the core ones (`contentType`, `chatid`, `action`, `category`...), as
    /// strings, the way the original server kept them.
    public var meta: [String: String]
    /// The sender's top-level JSON `meta` object as compact JSON, or nil when it sent none.
    public var clientMeta: Data?
    /// Set by the gateway when it accepts the message.
    public var serverId: String
    /// Set by the gateway when it accepts the message, in milliseconds since the epoch.
    public var serverTimestamp: UInt64
    /// Set by the gateway when it accepts the message: its clock in microseconds, raised
    /// where needed so it only grows within one gateway (`AcceptSequence`). History orders
    /// by it within a millisecond. 0 on messages accepted before it existed.
    public var acceptSequence: UInt64

    public init(
        version: Float = ChatMessage.currentVersion,
        id: String,
        type: MessageType,
        channel: MessageChannel,
        ephemeral: Bool = false,
        source: String,
        destination: String,
        content: Data = Data(),
        timestamp: UInt64 = 0,
        meta: [String: String] = [:],
        clientMeta: Data? = nil,
        serverId: String = "",
        serverTimestamp: UInt64 = 0,
        acceptSequence: UInt64 = 0
    ) {
        self.version = version
        self.id = id
        self.type = type
        self.channel = channel
        self.ephemeral = ephemeral
        self.source = source
        self.destination = destination
        self.content = content
        self.timestamp = timestamp
        self.meta = meta
        self.clientMeta = clientMeta
        self.serverId = serverId
        self.serverTimestamp = serverTimestamp
        self.acceptSequence = acceptSequence
    }

    /// The JSON envelope version this server writes.
    public static let currentVersion: Float = 2.1

    /// The pseudo-user the server speaks as, and the destination of client acks.
    public static let serverUser = "server"
}
