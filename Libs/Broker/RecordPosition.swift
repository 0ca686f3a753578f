/// Where the broker stored a produced record.
public struct RecordPosition: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
}
