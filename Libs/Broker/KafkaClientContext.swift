import CRdKafka
import Logging

/// What every librdkafka callback needs. Kept alive by the owning client for as long
/// as its `rd_kafka_t` exists, because librdkafka holds a raw pointer to it.
class KafkaClientContext: @unchecked Sendable {
    // `Logger` is a value type safe to use from any thread; it is never mutated.
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}

/// Sets the context as the configuration's opaque so callbacks can find it.
func attach(_ context: KafkaClientContext, to conf: OpaquePointer) {
    rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
}
