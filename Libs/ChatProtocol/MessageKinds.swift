/// What a message is, as far as the server's routing and acknowledgement logic cares. The raw
/// values are the wire names used in JSON (`head.contentType`) and in the protobuf enum.
public enum MessageType: String, Sendable, CaseIterable {
    case serverAck = "SERVER_ACK"
    case clientAck = "CLIENT_ACK"
    case message = "MESSAGE"
    case notification = "NOTIFICATION"
    case custom = "CUSTOM"
}

/// Who a message is addressed to. The raw values are the wire names of JSON `head.type`.
public enum MessageChannel: String, Sendable, CaseIterable {
    case unknown = "UNKNOWN"
    case individual = "INDIVIDUAL"
    case group = "GROUP"
    /// To a page (`Libs/Pages`): a user's thread with the page's agents.
    case page = "PAGE"
    case other = "OTHER"
}
