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

    // Poll-thread state (the rebalance callback runs on the poll thread too).
    private var reassigned = false
    /// Partitions this member paused (idle or back-pressure) and has not resumed.
    private var pausedPartitions: Set<TopicPartition> = []
    private var fetchStatistics = FetchStatistics()  // guarded by `condition`

    // For a broker that answers empty fetches at once (LocalBrokerAccommodations).
    private var idleProbe = IdleProbe()  // poll thread
    private let backgroundWakeUps = BackgroundWakeUps()
    /// Installed on the client's configuration when the options ask for it; kept here
    /// because librdkafka's broker threads call into it for as long as the client lives.
    let emptyFetchBackoff: EmptyFetchBackoff?

    private let options: ConsumerOptions
    private let output: AsyncStream<ConsumedMessage>.Continuation

    init(logger: Logger, options: ConsumerOptions, output: AsyncStream<ConsumedMessage>.Continuation) {
        self.options = options
        self.output = output
        self.emptyFetchBackoff = options.emptyFetchBackoff > .zero ? EmptyFetchBackoff(backoff: options.emptyFetchBackoff) : nil
        super.init(logger: logger)
    }

    var assignment: Set<TopicPartition> {
        condition.withLock { watermarks.assignedPartitions }
    }

    var statistics: FetchStatistics {
        var statistics = condition.withLock { fetchStatistics }
        statistics.emptyFetchWaits = emptyFetchBackoff?.waitCount ?? 0
        return statistics
    }

    /// librdkafka's statistics callback (served on the poll thread).
    func received(statistics json: UnsafeRawBufferPointer) {
        var counts = FetchStatistics()
        counts.update(fromStatistics: json)
        condition.withLock {
            fetchStatistics.fetchRequests = counts.fetchRequests
            fetchStatistics.listOffsetsRequests = counts.listOffsetsRequests
        }
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
        let control = FetchControl(rk: rk)
        var gate = FetchGate(
            idleAfter: options.idleFetchPause, probeInterval: options.idleProbeInterval,
            maxInFlight: options.maxInFlight, busyPace: options.busyFetchPace, now: .now)
        var queueEmpty = false
        var lastCommit = ContinuousClock.now
        while !condition.withLock({ stopRequested }) {
            if reassigned {
                // Revoked partitions were resumed on their way out (rebalance), so the
                // new assignment starts unpaused.
                reassigned = false
                idleProbe.reassigned()
                gate.reassigned(at: .now)
                condition.withLock { fetchStatistics.isIdle = false }
            }
            // Back-pressure pauses fetching instead of not polling: polling goes on, so
            // the group never sees this member as stuck (max.poll.interval.ms).
            let inFlight = condition.withLock { watermarks.inFlight }
            apply(gate.next(inFlight: inFlight, queueEmpty: queueEmpty, now: .now), to: &gate, control)
            let timeout = gate.pollTimeout(now: .now, ceiling: .milliseconds(100))
            // A zero timeout only asks whether the local queue is empty (busy pacing).
            let message = rd_kafka_consumer_poll(rk, timeout == .zero ? 0 : max(1, timeout.timeoutMilliseconds))
            queueEmpty = message == nil
            if let message {
                if hand(message, from: rk) { gate.arrived(at: .now) }
                rd_kafka_message_destroy(message)
            }
            if ContinuousClock.now - lastCommit >= options.commitInterval {
                commit(rk, watermarksDue(in: nil), synchronously: false)
                lastCommit = .now
            }
        }
        let deadline = condition.withLock { Date().addingTimeInterval(drainTimeout.timeInterval) }
        drain(rk, control, until: deadline)
        commit(rk, watermarksDue(in: nil), synchronously: true)
        backgroundWakeUps.waitUntilIdle()
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

    /// Waits for what was handed out to resolve before the final commit. Polling goes on
    /// for the always-fetched topics only: what is in flight may wait for exactly those
    /// records (session-ms's deliveries for their client acks), which a drain that stopped
    /// polling would never see, so they would all be handed out again after the restart.
    /// Records of other topics that still arrive are not handed out (nor committed).
    private func drain(_ rk: OpaquePointer, _ control: FetchControl, until deadline: Date) {
        let assigned = assignment
        let kept = assigned.filter { options.alwaysFetchedTopics.contains($0.topic) }
        pause(assigned.subtracting(kept), control)
        resume(kept, control)
        while condition.withLock({ watermarks.inFlight }) > 0, Date() < deadline {
            guard let message = rd_kafka_consumer_poll(rk, 50) else { continue }
            defer { rd_kafka_message_destroy(message) }
            if let topic = message.pointee.rkt.map({ String(cString: rd_kafka_topic_name($0)) }),
                options.alwaysFetchedTopics.contains(topic)
            {
                _ = hand(message, from: rk)
            }
        }
    }

    private func apply(_ action: FetchGate.Action, to gate: inout FetchGate, _ control: FetchControl) {
        // Called on every poll: most calls have nothing to do and must stay cheap, so the
        // assignment (behind the lock) is read only in the arms that act.
        switch action {
        case .none:
            return
        case .pauseForBackPressure:
            pause(assignment.filter { !options.alwaysFetchedTopics.contains($0.topic) }, control)
        case .resumeFromBackPressure:
            resume(assignment, control)
        // Idle pausing and busy pacing (IdleFetchPacing).
        case .pauseForIdle:
            pause(assignment, control)
            condition.withLock {
                fetchStatistics.idlePauses += 1
                fetchStatistics.isIdle = true
            }
        case .pauseForPace:
            pause(assignment, control)
            condition.withLock { fetchStatistics.pacedRounds += 1 }
        case .resumeFromPace:
            // Every few milliseconds while busy: the wake-up must not hold the poll thread.
            resume(assignment, control, wakeInBackground: true)
        case .probe:
            condition.withLock { fetchStatistics.probes += 1 }
            let assigned = assignment
            let hasNewRecords = idleProbe.hasNewRecords(
                assigned, handedOut: { condition.withLock { watermarks.nextOffsets } }, control)
            if gate.probed(hasNewRecords: hasNewRecords, now: .now) {
                resume(assigned, control)
                condition.withLock { fetchStatistics.isIdle = false }
            }
        }
    }

    /// Pauses what is not paused yet. Only partitions this member paused are ever
    /// resumed: librdkafka restarts a partition's fetching at its last pause position on
    /// every resume call, paused or not, which would hand out records twice.
    private func pause(_ partitions: Set<TopicPartition>, _ control: FetchControl) {
        let newlyPaused = partitions.subtracting(pausedPartitions)
        if control.setPaused(newlyPaused, true) { pausedPartitions.formUnion(newlyPaused) }
    }

    /// Resumes what this member paused among `partitions`, and wakes the fetcher.
    private func resume(_ partitions: Set<TopicPartition>, _ control: FetchControl, wakeInBackground: Bool = false) {
        let resumed = partitions.intersection(pausedPartitions)
        guard !resumed.isEmpty, control.setPaused(resumed, false) else { return }
        pausedPartitions.subtract(resumed)
        control.wakeFetcher(
            for: resumed, at: condition.withLock { watermarks.nextOffsets },
            background: wakeInBackground ? backgroundWakeUps : nil)
    }

    /// On the way out of the assignment, a partition must not stay paused: librdkafka
    /// keeps the pause on its partition object, and a later assignment of it would
    /// never fetch. (No wake-up: the partition is being unassigned.)
    private func resumeBeforeUnassigning(_ partitions: Set<TopicPartition>, _ rk: OpaquePointer) {
        let paused = partitions.intersection(pausedPartitions)
        guard !paused.isEmpty else { return }
        FetchControl(rk: rk).setPaused(paused, false)
        pausedPartitions.subtract(paused)
    }

    /// The pointer itself is needed, not a copy: librdkafka keeps headers and the
    /// timestamp in the larger private struct the message is embedded in.
    /// True when a record was handed out (not an error event).
    private func hand(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>, from rk: OpaquePointer) -> Bool {
        let message = pointer.pointee
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if message.err == RD_KAFKA_RESP_ERR__FATAL {
                // A consumer gets its fatal errors here, not in the error callback.
                var underlying = [CChar](repeating: 0, count: 512)
                let cause = rd_kafka_fatal_error(rk, &underlying, underlying.count)
                KafkaConfig.exitAfterFatalError(logger, reason: cText(underlying), code: cause.rawValue)
            }
            logger.warning("consumer error", metadata: ["reason": "\(errorText(message.err))"])
            return false
        }
        guard let topicHandle = message.rkt else { return false }
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
        return tracked
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
            reassigned = true
            logger.info("partitions assigned", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revoked = Set(changed)
            resumeBeforeUnassigning(revoked, rk)
            waitUntilResolved(revoked, deadline: Date().addingTimeInterval(options.revokeWait.timeInterval))
            commit(rk, watermarksDue(in: revoked), synchronously: true)
            condition.withLock {
                revoked.forEach { watermarks.revoke($0) }
                condition.broadcast()
            }
            rd_kafka_assign(rk, nil)
            reassigned = true
            logger.info("partitions revoked", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
        default:
            logger.warning("rebalance failed", metadata: ["reason": "\(errorText(event))"])
            resumeBeforeUnassigning(pausedPartitions, rk)
            reassigned = true
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
