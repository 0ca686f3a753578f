import CRdKafka
import Synchronization

/// Owns an `rd_kafka_t`; librdkafka documents its handles as thread-safe.
final class KafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    private let destroyed = Mutex(false)

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    func destroy() {
        let first = destroyed.withLock { wasDestroyed in
            defer { wasDestroyed = true }
            return !wasDestroyed
        }
        if first { rd_kafka_destroy(pointer) }
    }
}

/// Creates a client handle, consuming `conf` on success.
func makeKafkaHandle(type: rd_kafka_type_t, conf: OpaquePointer) throws -> OpaquePointer {
    var errorText = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
        rd_kafka_conf_destroy(conf)
        throw BrokerError(.configuration, cText(errorText))
    }
    return handle
}
