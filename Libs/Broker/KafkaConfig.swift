import CRdKafka
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Builds a librdkafka configuration object from a property map.
enum KafkaConfig {
    /// Returns a new `rd_kafka_conf_t`; ownership passes to `rd_kafka_new` on success.
    static func make(_ properties: [String: String]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw BrokerError(.configuration, "could not allocate a configuration")
        }
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw BrokerError(.configuration, "\(name): \(cText(errorText))")
            }
        }
        return conf
    }

    /// Routes librdkafka's own log lines into swift-log. The callback runs on
    /// librdkafka's threads, so it only formats and hands the line to the logger.
    static func routeLogs(_ conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let message = "\(facility.map { String(cString: $0) } ?? "rdkafka"): \(text.map { String(cString: $0) } ?? "")"
            context.logger.log(level: KafkaConfig.logLevel(syslogLevel: level), "\(message)")
        }
        rd_kafka_conf_set_error_cb(conf) { handle, code, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let text = reason.map { String(cString: $0) } ?? "unknown"
            guard code == RD_KAFKA_RESP_ERR__FATAL.rawValue, let handle else {
                context.logger.warning("broker client error", metadata: ["code": "\(code)", "reason": "\(text)"])
                return
            }
            var underlying = [CChar](repeating: 0, count: 512)
            let cause = rd_kafka_fatal_error(handle, &underlying, underlying.count)
            KafkaConfig.exitAfterFatalError(context.logger, reason: cText(underlying), code: cause.rawValue)
        }
    }

    /// A fatal error leaves the client unusable for good (e.g. a static group member fenced
    /// by another instance with its id, or an idempotent producer out of sequence): the
    /// process would live on without consuming or producing, silently stalling its
    /// partitions. It exits instead, so the restart policy (compose, the local stack's
    /// supervisor) starts a fresh client; unresolved records are consumed again and
    /// unconfirmed sends were never acknowledged to anyone.
    static func exitAfterFatalError(_ logger: Logger, reason: String, code: Int32) -> Never {
        logger.critical(
            "fatal broker client error, exiting so the service is restarted",
            metadata: ["code": "\(code)", "reason": "\(reason)"])
        fflush(nil)
        // _exit, not exit: atexit handlers would run while librdkafka's threads still run.
        _exit(fatalExitStatus)
    }

    /// EX_SOFTWARE from sysexits.h: what a process ended by a fatal broker error returns.
    static let fatalExitStatus: Int32 = 70

    static func logLevel(syslogLevel: Int32) -> Logger.Level {
        switch syslogLevel {
        case ...3: return .error
        case 4: return .warning
        case 5, 6: return .info
        default: return .debug
        }
    }
}
