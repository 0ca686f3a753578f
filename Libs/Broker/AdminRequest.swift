import CRdKafka
import Logging

/// A client handle for admin requests: a producer handle serves, with the configuration's
/// common and extra properties and librdkafka's logs routed to `logger`. The context must
/// outlive the handle.
func makeAdminClient(_ configuration: BrokerConfiguration, _ logger: Logger) throws -> (handle: OpaquePointer, context: KafkaClientContext) {
    var properties = configuration.commonProperties
    properties.merge(configuration.extraProperties) { _, new in new }
    let conf = try KafkaConfig.make(properties)
    let context = KafkaClientContext(logger: logger)
    attach(context, to: conf)
    KafkaConfig.routeLogs(conf)
    return (try makeKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf), context)
}

/// Sends one admin request on a queue of its own and reads its answer; blocks until the
/// broker answers or `timeoutMilliseconds` (plus a second) pass. `send` gets the handle,
/// the request's options (request timeout set) and the queue to answer on.
func adminRequest<T>(
    on rk: OpaquePointer, _ operation: rd_kafka_admin_op_t, _ what: String, timeoutMilliseconds: Int32,
    send: (OpaquePointer, OpaquePointer?, OpaquePointer?) -> Void,
    read: (OpaquePointer) throws -> T
) throws -> T {
    let queue = rd_kafka_queue_new(rk)
    defer { rd_kafka_queue_destroy(queue) }
    let options = rd_kafka_AdminOptions_new(rk, operation)
    defer { rd_kafka_AdminOptions_destroy(options) }
    var errorText = [CChar](repeating: 0, count: 512)
    _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
    send(rk, options, queue)
    guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
        throw BrokerError(.admin, "\(what) timed out")
    }
    defer { rd_kafka_event_destroy(event) }
    let code = rd_kafka_event_error(event)
    guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw BrokerError(.admin, "\(what): \(String(cString: rd_kafka_event_error_string(event)))", code: code.rawValue)
    }
    return try read(event)
}
