import Broker
import Synchronization

/// What a worker under test resolved, in the order it did: the harnesses hand `append` to
/// the worker as its resolve callback.
final class ResolvedRecords: Sendable {
    private let records = Mutex<[ConsumedMessage]>([])

    func append(_ record: ConsumedMessage) {
        records.withLock { $0.append(record) }
    }

    var count: Int { records.withLock { $0.count } }
    var offsets: [Int64] { records.withLock { $0.map(\.offset) } }
}
