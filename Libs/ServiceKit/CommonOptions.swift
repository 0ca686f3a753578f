import ArgumentParser
import Broker
import Logging

/// Flags every service shares. Each falls back to the environment variable named in
/// its help text; all of them are listed in `.env.tmpl`.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Service name used in logs, metrics and the broker client id (env APP_NAME).")
    public var appName: String = EnvironmentDefault.string("APP_NAME", "vartalap")

    @Option(help: "Comma-separated Kafka bootstrap servers (env KAFKA_BROKERS).")
    public var kafkaBrokers: String = EnvironmentDefault.string("KAFKA_BROKERS", "127.0.0.1:9092")

    @Option(help: "Kafka client id; defaults to the app name (env KAFKA_CLIENT_ID).")
    public var kafkaClientId: String = EnvironmentDefault.string("KAFKA_CLIENT_ID", "")

    @Option(help: "Kafka consumer group; defaults to the app name (env KAFKA_CONSUMER_GROUP).")
    public var kafkaConsumerGroup: String = EnvironmentDefault.string("KAFKA_CONSUMER_GROUP", "")

    @Option(help: "Static group membership: a stable id per instance, so a restarted instance takes its partitions back at once instead of after the group's timeouts (env KAFKA_GROUP_INSTANCE_ID).")
    public var kafkaGroupInstanceId: String = EnvironmentDefault.string("KAFKA_GROUP_INSTANCE_ID", "")

    @Option(help: "plaintext, ssl, sasl_plaintext or sasl_ssl (env KAFKA_SECURITY_PROTOCOL).")
    public var kafkaSecurityProtocol: String = EnvironmentDefault.string("KAFKA_SECURITY_PROTOCOL", "plaintext")

    @Option(help: "SASL mechanism, e.g. PLAIN or SCRAM-SHA-512 (env KAFKA_SASL_MECHANISM).")
    public var kafkaSaslMechanism: String = EnvironmentDefault.string("KAFKA_SASL_MECHANISM", "")

    @Option(help: "SASL user name (env KAFKA_SASL_USERNAME).")
    public var kafkaSaslUsername: String = EnvironmentDefault.string("KAFKA_SASL_USERNAME", "")

    @Option(help: "SASL password; never logged (env KAFKA_SASL_PASSWORD).")
    public var kafkaSaslPassword: String = EnvironmentDefault.string("KAFKA_SASL_PASSWORD", "")

    @Option(help: "CA bundle for the brokers' TLS certificates (env KAFKA_SSL_CA_LOCATION).")
    public var kafkaSslCaLocation: String = EnvironmentDefault.string("KAFKA_SSL_CA_LOCATION", "")

    @Option(help: "Client certificate for mutual TLS (env KAFKA_SSL_CERTIFICATE_LOCATION).")
    public var kafkaSslCertificateLocation: String = EnvironmentDefault.string("KAFKA_SSL_CERTIFICATE_LOCATION", "")

    @Option(help: "Client key for mutual TLS (env KAFKA_SSL_KEY_LOCATION).")
    public var kafkaSslKeyLocation: String = EnvironmentDefault.string("KAFKA_SSL_KEY_LOCATION", "")

    @Option(help: "Milliseconds without a record before a consumer pauses fetching and probes end offsets instead; 0 never pauses. For brokers that answer empty fetches at once (the local one); Apache Kafka holds them, so 0 suits it (env KAFKA_IDLE_FETCH_PAUSE_MS).")
    public var kafkaIdleFetchPauseMs: Int = EnvironmentDefault.int("KAFKA_IDLE_FETCH_PAUSE_MS", 20)

    @Option(help: "Milliseconds between an idle consumer's end-offset probes (half that in its first second of quiet): the longest a record waits to be noticed (env KAFKA_IDLE_PROBE_INTERVAL_MS).")
    public var kafkaIdleProbeIntervalMs: Int = EnvironmentDefault.int("KAFKA_IDLE_PROBE_INTERVAL_MS", 20)

    @Option(help: "While busy, the least milliseconds between two fetch rounds of a consumer: once a round's records are handed out, fetching pauses for the rest of this time instead of asking again at once; 0 (the default) fetches without pause: measured here, pacing cut fetch requests 3-5x but made latency under load worse (Docs/BENCHMARKS.md). Off with --kafka-idle-fetch-pause-ms 0 (env KAFKA_BUSY_FETCH_PACE_MS).")
    public var kafkaBusyFetchPaceMs: Int = EnvironmentDefault.int("KAFKA_BUSY_FETCH_PACE_MS", 0)

    @Option(help: "Milliseconds a consumer's fetcher waits after an empty fetch answer before it asks again; 0 asks at once (librdkafka's own behaviour). For brokers that answer empty fetches at once (the local one): without it every busy consumer loops on empty answers between records (Docs/BENCHMARKS.md). Apache Kafka holds empty fetches, so 0 suits it (env KAFKA_EMPTY_FETCH_BACKOFF_MS).")
    public var kafkaEmptyFetchBackoffMs: Int = EnvironmentDefault.int("KAFKA_EMPTY_FETCH_BACKOFF_MS", 1)

    @Option(help: "Producer batching delay in milliseconds (librdkafka linger.ms) for every producer of the service; -1 (the default) keeps each service's own: 0 where a client waits on the record, 1 in the consumer services (env KAFKA_PRODUCER_LINGER_MS).")
    public var kafkaProducerLingerMs: Int = EnvironmentDefault.int("KAFKA_PRODUCER_LINGER_MS", -1)

    @Option(help: "Send broker requests without Nagle's delay (TCP_NODELAY, librdkafka socket.nagle.disable); true by default, false restores librdkafka's own default (env KAFKA_SOCKET_NODELAY).")
    public var kafkaSocketNodelay: Bool = EnvironmentDefault.bool("KAFKA_SOCKET_NODELAY", true)

    @Option(help: "Run the process's Swift tasks on the event loops (SwiftNIO's singleton group) instead of on a thread pool of their own, so a task that a socket read starts, and the write it ends with, need no hand-off between threads; true by default, false keeps Swift's own pool (env TASKS_ON_EVENT_LOOPS).")
    public var tasksOnEventLoops: Bool = EnvironmentDefault.bool("TASKS_ON_EVENT_LOOPS", true)

    @Option(help: "Event loop threads of the process (SwiftNIO's singleton group); 0 (the default) means one per core. One is cheaper where many processes share few cores: a socket's read, the broker's report and the write they lead to then meet on one thread (env EVENT_LOOP_THREADS).")
    public var eventLoopThreads: Int = EnvironmentDefault.int("EVENT_LOOP_THREADS", 0)

    @Option(help: "MongoDB connection string, TLS options included (env MONGO_URL).")
    public var mongoUrl: String = EnvironmentDefault.string("MONGO_URL", "mongodb://127.0.0.1:27017")

    @Option(help: "MongoDB database holding this deployment's collections (env MONGO_DATABASE).")
    public var mongoDatabase: String = EnvironmentDefault.string("MONGO_DATABASE", "vartalap")

    @Option(help: "trace, debug, info, notice, warning, error or critical (env LOG_LEVEL).")
    public var logLevel: String = EnvironmentDefault.string("LOG_LEVEL", "info")

    @Option(help: "Address the service's HTTP port binds to (env HTTP_HOST).")
    public var httpHost: String = EnvironmentDefault.string("HTTP_HOST", "127.0.0.1")

    @Option(help: "The service's HTTP port: health, metrics and its own routes (env HTTP_PORT).")
    public var httpPort: Int = EnvironmentDefault.int("HTTP_PORT", 8000)

    @Flag(help: "Validate the configuration, print it (secrets hidden) and exit.")
    public var checkConfig = false

    public init() {}

    public mutating func validate() throws {
        let problems = EnvironmentDefault.reportedProblems
        if !problems.isEmpty {
            throw ValidationError("invalid environment: \(problems.joined(separator: "; "))")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard BrokerSecurity.SecurityProtocol(rawValue: kafkaSecurityProtocol) != nil else {
            throw ValidationError("--kafka-security-protocol must be plaintext, ssl, sasl_plaintext or sasl_ssl")
        }
        guard kafkaIdleFetchPauseMs >= 0, (2...10_000).contains(kafkaIdleProbeIntervalMs) else {
            throw ValidationError("--kafka-idle-fetch-pause-ms must be >= 0 and --kafka-idle-probe-interval-ms 2-10000")
        }
        guard (0...50).contains(kafkaEmptyFetchBackoffMs) else {
            // The wait holds librdkafka's broker thread; longer ones belong to idle pausing.
            throw ValidationError("--kafka-empty-fetch-backoff-ms must be 0-50")
        }
        guard (0...1024).contains(eventLoopThreads) else {
            throw ValidationError("--event-loop-threads must be 0 (one per core) to 1024")
        }
        guard (-1...1000).contains(kafkaProducerLingerMs) else {
            throw ValidationError("--kafka-producer-linger-ms must be -1 (each service's own) or 0-1000")
        }
        guard (1...65535).contains(httpPort) else {
            throw ValidationError("--http-port must be between 1 and 65535")
        }
        guard !kafkaBrokers.split(separator: ",").isEmpty,
            kafkaBrokers.split(separator: ",").allSatisfy({ $0.contains(":") })
        else {
            throw ValidationError("--kafka-brokers must be a comma-separated list of host:port")
        }
        guard mongoUrl.hasPrefix("mongodb://") || mongoUrl.hasPrefix("mongodb+srv://") else {
            throw ValidationError("--mongo-url must start with mongodb:// or mongodb+srv://")
        }
        if kafkaSecurityProtocol.hasPrefix("sasl"), kafkaSaslMechanism.isEmpty || kafkaSaslUsername.isEmpty {
            throw ValidationError("SASL needs --kafka-sasl-mechanism and --kafka-sasl-username")
        }
    }

    public var brokerConfiguration: BrokerConfiguration {
        BrokerConfiguration(
            bootstrapServers: kafkaBrokers,
            clientId: kafkaClientId.isEmpty ? appName : kafkaClientId,
            security: BrokerSecurity(
                securityProtocol: BrokerSecurity.SecurityProtocol(rawValue: kafkaSecurityProtocol) ?? .plaintext,
                saslMechanism: kafkaSaslMechanism.nilIfEmpty,
                saslUsername: kafkaSaslUsername.nilIfEmpty,
                saslPassword: kafkaSaslPassword.nilIfEmpty,
                caLocation: kafkaSslCaLocation.nilIfEmpty,
                certificateLocation: kafkaSslCertificateLocation.nilIfEmpty,
                keyLocation: kafkaSslKeyLocation.nilIfEmpty),
            extraProperties: kafkaGroupInstanceId.isEmpty ? [:] : ["group.instance.id": kafkaGroupInstanceId],
            producerLingerMilliseconds: kafkaProducerLingerMs >= 0 ? kafkaProducerLingerMs : nil,
            noDelay: kafkaSocketNodelay)
    }

    /// Consumer settings from these flags; `alwaysFetchedTopics` are never paused by
    /// back-pressure (ConsumerOptions).
    public func consumerOptions(alwaysFetchedTopics: Set<String> = []) -> ConsumerOptions {
        ConsumerOptions(
            alwaysFetchedTopics: alwaysFetchedTopics,
            idleFetchPause: .milliseconds(kafkaIdleFetchPauseMs),
            idleProbeInterval: .milliseconds(kafkaIdleProbeIntervalMs),
            busyFetchPace: .milliseconds(kafkaBusyFetchPaceMs),
            emptyFetchBackoff: .milliseconds(kafkaEmptyFetchBackoffMs))
    }

    public var consumerGroup: String { kafkaConsumerGroup.isEmpty ? appName : kafkaConsumerGroup }

    public var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    /// The configuration as a log line or `--check-config` prints it: secrets and the
    /// credentials part of the database URL are hidden.
    public var redactedSummary: [String: String] {
        [
            "appName": appName,
            "kafkaBrokers": kafkaBrokers,
            "kafkaClientId": kafkaClientId.isEmpty ? appName : kafkaClientId,
            "kafkaConsumerGroup": consumerGroup,
            "kafkaSecurityProtocol": kafkaSecurityProtocol,
            "kafkaSaslPassword": kafkaSaslPassword.isEmpty ? "(unset)" : "(hidden)",
            "mongoUrl": Redaction.url(mongoUrl),
            "mongoDatabase": mongoDatabase,
            "logLevel": logLevel,
            "kafkaIdleFetchPauseMs": String(kafkaIdleFetchPauseMs),
            "kafkaIdleProbeIntervalMs": String(kafkaIdleProbeIntervalMs),
            "kafkaEmptyFetchBackoffMs": String(kafkaEmptyFetchBackoffMs),
            "kafkaProducerLingerMs": String(kafkaProducerLingerMs),
            "kafkaSocketNodelay": String(kafkaSocketNodelay),
            "tasksOnEventLoops": String(tasksOnEventLoops),
            "eventLoopThreads": String(eventLoopThreads),
            "http": "\(httpHost):\(httpPort)",
        ]
    }
}

enum Redaction {
    /// Hides `user:password@` in a connection string.
    static func url(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", range: schemeEnd.upperBound..<url.endIndex) else {
            return url
        }
        return url.replacingCharacters(in: schemeEnd.upperBound..<at.lowerBound, with: "***")
    }
}

extension String {
    /// Empty flags mean "not set" (an optional flag cannot have an environment default).
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
