import Foundation
import NIOPosix
import ObjectStore
import Synchronization

/// Reads chunks from the object store, checked against their records, and keeps the most
/// recently read ones decoded in memory: paging back through an archived conversation reads
/// each chunk once, not once per page.
public final class ChunkReader: Sendable {
    private let store: ObjectStoreClient
    private let capacity: Int
    private let cache = Mutex(Cache())
    private let reads = Atomic<Int>(0)

    /// How many objects were read from the store (not the cache).
    public var objectReads: Int { reads.load(ordering: .relaxed) }

    private struct Cache {
        var chunks: [String: [ArchivedMessage]] = [:]
        /// Keys, least recently used first.
        var order: [String] = []
    }

    /// `capacity`: how many decoded chunks to keep (a chunk of 1,000 messages is ~1 MiB).
    public init(store: ObjectStoreClient, capacity: Int = 32) {
        self.store = store
        self.capacity = capacity
    }

    /// The chunk's messages. Throws `ObjectStoreError` when the store cannot be read, and
    /// `ArchiveChunk.Failure` when the object does not match its record.
    public func messages(of record: ChunkRecord) async throws -> [ArchivedMessage] {
        if let cached = cached(record.key) { return cached }
        let object = try await store.getObject(record.key, maxBytes: max(record.bytes, 1) + 1024)
        reads.add(1, ordering: .relaxed)
        let chunk = try await ArchiveChunk.decodeOffLoop(Data(object.body.readableBytesView), as: record)
        remember(record.key, chunk.messages)
        return chunk.messages
    }

    private func cached(_ key: String) -> [ArchivedMessage]? {
        cache.withLock { cache in
            guard let messages = cache.chunks[key] else { return nil }
            cache.order.removeAll { $0 == key }
            cache.order.append(key)
            return messages
        }
    }

    private func remember(_ key: String, _ messages: [ArchivedMessage]) {
        cache.withLock { cache in
            if cache.chunks[key] == nil { cache.order.append(key) }
            cache.chunks[key] = messages
            while cache.order.count > capacity {
                cache.chunks[cache.order.removeFirst()] = nil
            }
        }
    }
}
