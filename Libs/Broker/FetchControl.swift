import CRdKafka

/// The librdkafka calls that pause, resume and probe a consumer's partitions. Every call
/// here blocks (the queries wait for a broker answer), so only the poll thread uses it,
/// but for the wake-up queries it hands to `BackgroundWakeUps`: those only read, and
/// librdkafka's handle is thread-safe, hence the unchecked Sendable.
struct FetchControl: @unchecked Sendable {
    let rk: OpaquePointer
    /// How long a probe waits for the broker before it gives up (and fetching resumes).
    var queryTimeoutMilliseconds: Int32 = 2000

    /// Pauses or resumes `partitions`; true when librdkafka accepted it. Resuming is
    /// synchronous: librdkafka has cleared the pause when this returns.
    @discardableResult
    func setPaused(_ partitions: some Collection<TopicPartition>, _ pause: Bool) -> Bool {
        guard !partitions.isEmpty else { return true }
        let list = makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = pause ? rd_kafka_pause_partitions(rk, list) : rd_kafka_resume_partitions(rk, list)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Wakes the broker threads after a resume. librdkafka 2.0.2 does not: a resumed
    /// partition is only looked at when its broker thread wakes up for other reasons,
    /// at the latest after its fixed 1 s wait, which is where the ~850 ms first-message
    /// delay after a resume came from. A seek wakes the partition's broker thread without
    /// a request (`rd_kafka_toppar_seek`), so a partition whose next offset is known is
    /// sought to exactly that offset, which also keeps fetching from starting over at the
    /// last pause position. For the others a ListOffsets request, harmless, wakes their
    /// brokers.
    /// With `background`, the ListOffsets request goes out from another thread and the
    /// call does not wait for its answer.
    func wakeFetcher(
        for partitions: some Collection<TopicPartition>, at nextOffsets: [TopicPartition: Int64],
        background: BackgroundWakeUps? = nil
    ) {
        let sought = partitions.filter { nextOffsets[$0] != nil }
        if !sought.isEmpty {
            let list = rd_kafka_topic_partition_list_new(Int32(sought.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for partition in sought {
                rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = nextOffsets[partition]!
            }
            // A zero timeout makes it asynchronous: it returns no error object.
            if let error = rd_kafka_seek_partitions(rk, list, 0) { rd_kafka_error_destroy(error) }
        }
        let unsought = partitions.filter { nextOffsets[$0] == nil }
        guard !unsought.isEmpty else { return }
        if let background {
            let control = self
            background.send { _ = control.endOffsets(of: unsought) }
        } else {
            _ = endOffsets(of: unsought)
        }
    }

    /// Each partition's end offset (the offset the next record will get), in one
    /// ListOffsets request per broker; nil when the broker did not answer in time.
    func endOffsets(of partitions: some Collection<TopicPartition>) -> [TopicPartition: Int64]? {
        listOffsets(partitions, at: Int64(RD_KAFKA_OFFSET_END))
    }

    /// Each partition's first retained offset; nil when the broker did not answer.
    func beginningOffsets(of partitions: some Collection<TopicPartition>) -> [TopicPartition: Int64]? {
        listOffsets(partitions, at: Int64(RD_KAFKA_OFFSET_BEGINNING))
    }

    /// The group's committed offsets; partitions without one are left out. nil when the
    /// coordinator did not answer.
    func committedOffsets(of partitions: some Collection<TopicPartition>) -> [TopicPartition: Int64]? {
        guard !partitions.isEmpty else { return [:] }
        let list = makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_committed(rk, list, queryTimeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return offsets(in: list).filter { $0.value >= 0 }
    }

    private func listOffsets(_ partitions: some Collection<TopicPartition>, at logicalOffset: Int64) -> [TopicPartition: Int64]? {
        guard !partitions.isEmpty else { return [:] }
        let list = makeList(partitions, offset: logicalOffset)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        // With a logical "timestamp" of END or BEGINNING this is a plain ListOffsets.
        guard rd_kafka_offsets_for_times(rk, list, queryTimeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return nil
        }
        let found = offsets(in: list)
        return found.count == partitions.count && found.values.allSatisfy({ $0 >= 0 }) ? found : nil
    }

    private func makeList(_ partitions: some Collection<TopicPartition>, offset: Int64? = nil)
        -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for partition in partitions {
            let entry = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
            if let offset { entry?.pointee.offset = offset }
        }
        return list
    }

    private func offsets(in list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[index]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, let topic = entry.topic else { continue }
            result[TopicPartition(topic: String(cString: topic), partition: entry.partition)] = entry.offset
        }
        return result
    }
}
