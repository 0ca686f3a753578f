import CMongoC
import Logging

/// libmongoc writes its log to stderr by default, debug lines included. Routing it through
/// swift-log puts it in the service's own log, filtered by the service's log level.
enum MongocLogging {
    static let label = "vartalap.document-store.libmongoc"

    /// libmongoc keeps one handler for the whole process; it is set once, with `mongoc_init`.
    static func install() {
        mongoc_log_set_handler(
            { level, domain, message, _ in
                // A logger per message picks up whatever logging backend the service
                // bootstrapped, even one bootstrapped after the first store was created.
                var logger = Logger(label: MongocLogging.label)
                logger[metadataKey: "libmongoc.domain"] = .string(domain.map { String(cString: $0) } ?? "")
                logger.log(level: MongocLogging.level(level), "\(message.map { String(cString: $0) } ?? "")")
            }, nil)
    }

    private static func level(_ level: mongoc_log_level_t) -> Logger.Level {
        switch level {
        case MONGOC_LOG_LEVEL_ERROR: return .error
        case MONGOC_LOG_LEVEL_CRITICAL: return .critical
        case MONGOC_LOG_LEVEL_WARNING: return .warning
        case MONGOC_LOG_LEVEL_MESSAGE: return .notice
        case MONGOC_LOG_LEVEL_INFO: return .info
        case MONGOC_LOG_LEVEL_DEBUG: return .debug
        default: return .trace
        }
    }
}
