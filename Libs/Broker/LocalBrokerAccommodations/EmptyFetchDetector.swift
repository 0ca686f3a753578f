/// Tells an empty fetch answer from one that carries records, by size alone: the only
/// thing librdkafka shows of a response before parsing it (`on_response_received`).
///
/// Every field of an empty Fetch answer has a fixed width for a given request (per
/// partition: error code, watermarks, an empty record set), so the same request, same
/// partitions, gets the same empty size again and again; librdkafka 2.0.2 sends full fetch
/// requests (no fetch sessions), so the request's size stands for its partition set. Any
/// record adds at least a record batch header (61 bytes) or, in the old message format,
/// 34 bytes of message overhead plus the record. So the smallest answer seen to a request
/// of one size is its empty size, and an answer less than `slack` larger is empty. The
/// first answer to a new request size counts as empty even if it carried records; the
/// error is one extra wait, and the next empty answer sets the size right.
struct EmptyFetchDetector {
    /// Bytes that tell an empty answer from one with records (less than 34).
    static let slack = 32
    /// Request sizes remembered before the table starts over (one per partition set
    /// seen, so only rebalances and pauses add to it).
    static let remembered = 64

    private var smallestAnswer: [Int: Int] = [:]

    /// Whether an answer of `responseSize` bytes to a request of `requestSize` bytes
    /// carried no records.
    mutating func isEmpty(requestSize: Int, responseSize: Int) -> Bool {
        if smallestAnswer.count >= Self.remembered, smallestAnswer[requestSize] == nil {
            smallestAnswer.removeAll(keepingCapacity: true)
        }
        let smallest = min(smallestAnswer[requestSize] ?? responseSize, responseSize)
        smallestAnswer[requestSize] = smallest
        return responseSize < smallest + Self.slack
    }
}
