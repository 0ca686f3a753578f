import Broker
import Foundation
import Logging

/// A track id follows one client request through every service: it travels in the
/// `track-id` broker header and appears as `trackId` in every log line about it.
public enum TrackId {
    public static let headerName = RecordHeaders.trackId
    public static let metadataKey = "trackId"

    public static func make() -> String {
        UUID().uuidString.lowercased()
    }

    public static func header(_ trackId: String) -> BrokerHeader {
        BrokerHeader(name: headerName, string: trackId)
    }

    /// The record's track id, or a new one for records from producers that set none.
    public static func of(_ message: ConsumedMessage) -> String {
        message.headers.value(for: headerName) ?? make()
    }
}

extension Logger {
    /// A copy of the logger whose lines carry the track id.
    public func tracking(_ trackId: String) -> Logger {
        var logger = self
        logger[metadataKey: TrackId.metadataKey] = .string(trackId)
        return logger
    }
}
