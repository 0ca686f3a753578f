/// How a consumer has been fetching: librdkafka's own request counts (from its
/// statistics, refreshed every `ConsumerOptions.statisticsInterval`) and the pauses and
/// probes of idle pacing. A spinning consumer shows thousands of fetches a second; an
/// idle, paced one a handful.
public struct FetchStatistics: Sendable, Equatable {
    /// Fetch requests sent to every broker since the client started.
    public var fetchRequests = 0
    /// ListOffsets requests (idle probes and wake-ups among them).
    public var listOffsetsRequests = 0
    /// Times fetching paused because nothing arrived.
    public var idlePauses = 0
    /// End-offset probes made while paused.
    public var probes = 0
    /// Fetch rounds ended by busy pacing (a pause until the next round).
    public var pacedRounds = 0
    /// Empty fetch answers after which the fetcher waited (EmptyFetchBackoff).
    public var emptyFetchWaits = 0
    /// Fetching is paused because nothing arrived (it resumes when a probe finds records).
    public var isIdle = false

    public init() {}

    /// Sums the request counts of every broker in a librdkafka statistics document
    /// (`"req": {"Fetch": N, "ListOffsets": M, ...}` per broker).
    mutating func update(fromStatistics json: UnsafeRawBufferPointer) {
        fetchRequests = Self.sum(of: "\"Fetch\":", in: json)
        listOffsetsRequests = Self.sum(of: "\"ListOffsets\":", in: json)
    }

    static func sum(of key: String, in json: UnsafeRawBufferPointer) -> Int {
        let pattern = Array(key.utf8)
        var total = 0
        var index = 0
        while index + pattern.count <= json.count {
            guard json[index] == pattern[0], json[index..<(index + pattern.count)].elementsEqual(pattern) else {
                index += 1
                continue
            }
            index += pattern.count
            while index < json.count, json[index] == UInt8(ascii: " ") { index += 1 }
            var value = 0
            while index < json.count, json[index] >= UInt8(ascii: "0"), json[index] <= UInt8(ascii: "9") {
                value = value * 10 + Int(json[index] - UInt8(ascii: "0"))
                index += 1
            }
            total += value
        }
        return total
    }
}
