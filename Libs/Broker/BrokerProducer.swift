import CRdKafka
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Idempotent producer (acks=all): `send` returns only once the broker has stored the
/// record, so a caller can acknowledge upstream knowing the record is durable.
public final class BrokerProducer: Sendable {
    private let handle: KafkaHandle
    private let context: ProducerContext
    private let deliveryReports: MainQueueOnEventLoop
    /// Topic handles made by `prepare`, kept so librdkafka keeps their partitions ready.
    private let preparedTopics = Mutex<[OpaquePointer]>([])

    /// - Parameters:
    ///   - lingerMilliseconds: batching delay; 0 favours latency. The configuration's
    ///     `producerLingerMilliseconds`, when set, wins.
    ///   - eventLoop: where delivery reports are served, and so where a `whenDone` body runs.
    public init(
        configuration: BrokerConfiguration, logger: Logger, lingerMilliseconds: Int = 1,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) throws {
        var properties = configuration.commonProperties
        properties["enable.idempotence"] = "true"
        properties["acks"] = "all"
        properties["linger.ms"] = String(configuration.producerLingerMilliseconds ?? lingerMilliseconds)
        properties["message.timeout.ms"] = "30000"
        properties.merge(configuration.extraProperties) { _, new in new }

        let conf = try KafkaConfig.make(properties)
        let context = ProducerContext(logger: logger)
        attach(context, to: conf)
        KafkaConfig.routeLogs(conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            (context as? ProducerContext)?.deliveryReport(message.pointee)
        }
        let handle = KafkaHandle(try makeKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf))
        self.handle = handle
        self.context = context
        do {
            deliveryReports = try MainQueueOnEventLoop(handle: handle, eventLoop: eventLoop, logger: logger)
        } catch {
            handle.destroy()
            throw error
        }
    }

    /// Looks up `topics` now, so the first record to each goes out at once. Without it
    /// the first record waits for the topic's metadata and then for the partition's broker
    /// thread, which librdkafka 2.0.2 only wakes by its 1 s timeout: the first message
    /// after a start took ~1.9 s end to end. A topic the broker does not know is skipped.
    public func prepare(topics: [String]) async {
        let handle = self.handle
        let logger = context.logger
        let made = (try? await BlockingThread.run(name: "broker-producer-prepare") { () -> [UInt] in
            var made: [UInt] = []
            for topic in topics {
                guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else { continue }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let result = rd_kafka_metadata(handle.pointer, 0, topicHandle, &metadata, 5000)
                if let metadata { rd_kafka_metadata_destroy(metadata) }
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("topic metadata lookup failed", metadata: ["topic": "\(topic)", "reason": "\(errorText(result))"])
                }
                made.append(UInt(bitPattern: topicHandle))
            }
            return made
        }) ?? []
        preparedTopics.withLock { $0 += made.compactMap { OpaquePointer(bitPattern: $0) } }
    }

    /// Produces one record and waits for the broker's acknowledgement.
    /// - Throws: `BrokerError` of kind `.produce` when the broker refused it, `.closed`
    ///   after `close()`.
    @discardableResult
    public func send(topic: String, key: String?, value: Data, headers: [BrokerHeader] = []) async throws -> RecordPosition {
        try await enqueue(topic: topic, key: key, value: value, headers: headers).stored()
    }

    /// Hands one record to the client and returns without waiting for the broker.
    ///
    /// Records enqueued one after another keep that order in their partition (the
    /// idempotent producer keeps it across retries), so a caller can pipeline: enqueue in
    /// order, then await each `ProduceReceipt` before acknowledging what it stands for.
    /// A full local queue is back-pressure: this waits (at most ~10 s) for room.
    public func enqueue(topic: String, key: String?, value: Data, headers: [BrokerHeader] = []) async throws -> ProduceReceipt {
        for _ in 0..<2000 {
            if let receipt = try enqueueIfRoom(topic: topic, key: key, value: value, headers: headers) { return receipt }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BrokerError(.produce, "local producer queue stayed full")
    }

    /// Hands one record to the client if its local queue has room, without waiting: nil
    /// when the queue is full (then `enqueue` waits for room). Never blocks, so an event
    /// loop may call it.
    public func enqueueIfRoom(topic: String, key: String?, value: Data, headers: [BrokerHeader] = []) throws -> ProduceReceipt? {
        let receipt = ProduceReceipt()
        guard let id = context.register(receipt) else { throw BrokerError(.closed, "producer is closed") }
        let result = enqueue(topic: topic, key: key, value: value, headers: headers, id: id)
        if result == RD_KAFKA_RESP_ERR_NO_ERROR { return receipt }
        context.forget(id)
        guard result == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
            throw BrokerError(.produce, errorText(result), code: result.rawValue)
        }
        return nil
    }

    private func enqueue(topic: String, key: String?, value: Data, headers: [BrokerHeader], id: UInt) -> rd_kafka_resp_err_t {
        let nativeHeaders = rd_kafka_headers_new(headers.count)
        for header in headers {
            header.value.withUnsafeBytes { bytes in
                _ = rd_kafka_header_add(nativeHeaders, header.name, -1, bytes.baseAddress, bytes.count)
            }
        }
        var valueBytes = value
        let keyBytes = key.map { Array($0.utf8) }
        let result = valueBytes.withUnsafeMutableBytes { valuePointer in
            keyBytes.withUnsafeBufferPointerOrNil { keyPointer in
                vartalap_produce(
                    handle.pointer, topic,
                    keyPointer?.baseAddress, keyPointer?.count ?? 0,
                    valuePointer.baseAddress, valuePointer.count,
                    nativeHeaders, UnsafeMutableRawPointer(bitPattern: id))
            }
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if result != RD_KAFKA_RESP_ERR_NO_ERROR { rd_kafka_headers_destroy(nativeHeaders) }
        return result
    }

    /// Waits up to `timeout` for outstanding receipts, then releases the client.
    /// Sends still unanswered fail with `.closed`.
    public func close(timeout: Duration = .seconds(10)) async {
        context.close()
        let handle = self.handle
        let context = self.context
        let topics = preparedTopics.withLock { topics in
            defer { topics.removeAll() }
            return topics.map { UInt(bitPattern: $0) }
        }
        // The loop stops serving reports; rd_kafka_flush serves the rest itself, on this
        // blocking thread.
        await deliveryReports.stop()
        _ = try? await BlockingThread.run(name: "broker-producer-close") {
            for topic in topics { rd_kafka_topic_destroy(OpaquePointer(bitPattern: topic)) }
            rd_kafka_flush(handle.pointer, timeout.timeoutMilliseconds)
            context.failAll(BrokerError(.closed, "producer closed before the broker stored the record"))
            handle.destroy()
        }
    }
}

/// Matches librdkafka's delivery reports to their `ProduceReceipt` by a per-message id.
final class ProducerContext: KafkaClientContext, @unchecked Sendable {
    private struct State {
        var nextId: UInt = 1
        var waiting: [UInt: ProduceReceipt] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    func register(_ receipt: ProduceReceipt) -> UInt? {
        state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.nextId
            state.nextId += 1
            state.waiting[id] = receipt
            return id
        }
    }

    func forget(_ id: UInt) {
        _ = state.withLock { $0.waiting.removeValue(forKey: id) }
    }

    func close() {
        state.withLock { $0.closed = true }
    }

    func failAll(_ error: BrokerError) {
        let waiting = state.withLock { state in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for receipt in waiting { receipt.complete(.failure(error)) }
    }

    /// Called by librdkafka where the main queue is served: the producer's event loop.
    func deliveryReport(_ message: rd_kafka_message_t) {
        let id = UInt(bitPattern: message._private)
        guard let receipt = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            receipt.complete(.success(RecordPosition(topic: topic, partition: message.partition, offset: message.offset)))
        } else {
            receipt.complete(.failure(BrokerError(.produce, errorText(message.err), code: message.err.rawValue)))
        }
    }
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        switch self {
        case .some(let bytes): return bytes.withUnsafeBufferPointer { body($0) }
        case .none: return body(nil)
        }
    }
}
