import CRdKafka
import Foundation
import Logging

/// The consumer's moving parts: the poll thread, the at-least-once watermarks and the
/// rebalance handling. All librdkafka consumer calls happen on the poll thread, except
/// the thread-safe ones (`committed`).
final class ConsumerContext: KafkaClientContext, @unchecked Sendable {
    // Everything below `condition` is guarded by it; it also wakes the poll thread when
    // in-flight work drains.
    private let condition = NSCondition()
    private var watermarks = PartitionWatermarks()
    private var stopRequested = false
    private var drainTimeout: Duration = .zero
    private var stopped: [CheckedContinuation<Void, Never>] = []
    private var finished = false
    private var joined = false

    private let options: ConsumerOptions
    private let output: AsyncStream<ConsumedMessage>.Continuation

    init(logger: Logger, options: ConsumerOptions, output: AsyncStream<ConsumedMessage>.Continuation) {
        self.options = options
        self.output = output
        super.init(logger: logger)
    }

    var assignment: Set<TopicPartition> {
        condition.withLock { watermarks.assignedPartitions }
    }

    var hasJoinedGroup: Bool {
        condition.withLock { joined }
    }

    func start(_ handle: KafkaHandle) {
        let thread = Thread { [self] in
            self.pollLoop(handle)
        }
        thread.name = "broker-consumer-poll"
        thread.start()
    }

    func resolve(_ partition: TopicPartition, offset: Int64) {
        condition.withLock {
            watermarks.resolve(partition, offset: offset)
            condition.broadcast()
        }
    }

    func stop(drainTimeout: Duration) async {
        await withCheckedContinuation { continuation in
            let alreadyFinished = condition.withLock {
                if finished { return true }
                stopRequested = true
                self.drainTimeout = drainTimeout
                stopped.append(continuation)
                condition.broadcast()
                return false
            }
            if alreadyFinished { continuation.resume() }
        }
    }

    // MARK: - Poll thread

    private func pollLoop(_ handle: KafkaHandle) {
        let rk = handle.pointer
        var lastCommit = ContinuousClock.now
        var paused = false
        while !condition.withLock({ stopRequested }) {
            // Back-pressure pauses fetching instead of not polling: polling goes on, so
            // the group never sees this member as stuck (max.poll.interval.ms).
            let inFlight = condition.withLock { watermarks.inFlight }
            if !paused, inFlight >= options.maxInFlight {
                paused = setPaused(rk, true)
            } else if paused, inFlight < options.maxInFlight / 2 {
                paused = !setPaused(rk, false)
            }
            if let message = rd_kafka_consumer_poll(rk, 100) {
                hand(message, from: rk)
                rd_kafka_message_destroy(message)
            }
            if ContinuousClock.now - lastCommit >= options.commitInterval {
                commit(rk, watermarksDue(in: nil), synchronously: false)
                lastCommit = .now
            }
        }
        let deadline = condition.withLock { Date().addingTimeInterval(drainTimeout.timeInterval) }
        waitUntilResolved(nil, deadline: deadline)
        commit(rk, watermarksDue(in: nil), synchronously: true)
        // Leaving the group runs the revoke callback (nothing left in flight by now).
        rd_kafka_consumer_close(rk)
        handle.destroy()
        output.finish()
        let waiters = condition.withLock {
            finished = true
            defer { stopped.removeAll() }
            return stopped
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Pauses or resumes fetching for every assigned partition but those of
    /// `alwaysFetchedTopics`; true when it worked.
    private func setPaused(_ rk: OpaquePointer, _ pause: Bool) -> Bool {
        var assigned: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(rk, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR, let assigned else { return false }
        defer { rd_kafka_topic_partition_list_destroy(assigned) }
        guard let list = rd_kafka_topic_partition_list_new(assigned.pointee.cnt) else { return false }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for index in 0..<Int(assigned.pointee.cnt) {
            let entry = assigned.pointee.elems[index]
            guard let topic = entry.topic, !options.alwaysFetchedTopics.contains(String(cString: topic)) else { continue }
            rd_kafka_topic_partition_list_add(list, topic, entry.partition)
        }
        let result = pause ? rd_kafka_pause_partitions(rk, list) : rd_kafka_resume_partitions(rk, list)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// The pointer itself is needed, not a copy: librdkafka keeps headers and the
    /// timestamp in the larger private struct the message is embedded in.
    private func hand(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>, from rk: OpaquePointer) {
        let message = pointer.pointee
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if message.err == RD_KAFKA_RESP_ERR__FATAL {
                // A consumer gets its fatal errors here, not in the error callback.
                var underlying = [CChar](repeating: 0, count: 512)
                let cause = rd_kafka_fatal_error(rk, &underlying, underlying.count)
                KafkaConfig.exitAfterFatalError(logger, reason: cText(underlying), code: cause.rawValue)
            }
            logger.warning("consumer error", metadata: ["reason": "\(errorText(message.err))"])
            return
        }
        guard let topicHandle = message.rkt else { return }
        let partition = TopicPartition(topic: String(cString: rd_kafka_topic_name(topicHandle)), partition: message.partition)
        let consumed = ConsumedMessage(
            topic: partition.topic,
            partition: partition.partition,
            offset: message.offset,
            key: message.key.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: message.key_len), as: UTF8.self) },
            value: message.payload.map { Data(bytes: $0, count: message.len) } ?? Data(),
            headers: headers(of: pointer),
            timestamp: timestamp(of: pointer))
        let tracked = condition.withLock { watermarks.track(partition, offset: message.offset) }
        if tracked { output.yield(consumed) }
    }

    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [BrokerHeader] {
        var nativeHeaders: OpaquePointer?
        guard rd_kafka_message_headers(message, &nativeHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let nativeHeaders else {
            return []
        }
        var result: [BrokerHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(nativeHeaders, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            if let name {
                let bytes = value.map { Data(bytes: $0, count: size) } ?? Data()
                result.append(BrokerHeader(name: String(cString: name), value: bytes))
            }
            index += 1
        }
        return result
    }

    private func timestamp(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : value
    }

    private func watermarksDue(in partitions: Set<TopicPartition>?) -> [TopicPartition: Int64] {
        condition.withLock { watermarks.commitsDue(in: partitions) }
    }

    private func waitUntilResolved(_ partitions: Set<TopicPartition>?, deadline: Date) {
        condition.withLock {
            while pending(in: partitions) > 0, Date() < deadline {
                _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.1)))
            }
        }
    }

    private func pending(in partitions: Set<TopicPartition>?) -> Int {
        partitions.map { watermarks.pendingCount(in: $0) } ?? watermarks.inFlight
    }

    private func commit(_ rk: OpaquePointer, _ offsets: [TopicPartition: Int64], synchronously: Bool) {
        guard !offsets.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        }
        let result = rd_kafka_commit(rk, list, synchronously ? 0 : 1)
        if result == RD_KAFKA_RESP_ERR_NO_ERROR {
            condition.withLock { watermarks.markCommitted(offsets) }
        } else {
            logger.warning("offset commit failed", metadata: ["reason": "\(errorText(result))"])
        }
    }

    // MARK: - Rebalance (runs on the poll thread, inside rd_kafka_consumer_poll)

    func rebalance(_ rk: OpaquePointer, event: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let changed = partitions.map(Self.topicPartitions) ?? []
        switch event {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            condition.withLock {
                changed.forEach { watermarks.assign($0) }
                joined = true
            }
            rd_kafka_assign(rk, partitions)
            logger.info("partitions assigned", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revoked = Set(changed)
            waitUntilResolved(revoked, deadline: Date().addingTimeInterval(options.revokeDrainTimeout.timeInterval))
            commit(rk, watermarksDue(in: revoked), synchronously: true)
            condition.withLock {
                revoked.forEach { watermarks.revoke($0) }
                condition.broadcast()
            }
            rd_kafka_assign(rk, nil)
            logger.info("partitions revoked", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
        default:
            logger.warning("rebalance failed", metadata: ["reason": "\(errorText(event))"])
            condition.withLock { changed.forEach { watermarks.revoke($0) } }
            rd_kafka_assign(rk, nil)
        }
    }

    private static func topicPartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
