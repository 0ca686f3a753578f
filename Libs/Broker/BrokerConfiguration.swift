/// Typed settings shared by producers, consumers and the topic admin.
///
/// The librdkafka property map is built in one place (`librdkafkaProperties`) so the
/// rest of the code never handles configuration strings.
public struct BrokerConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var bootstrapServers: String
    public var clientId: String
    public var security: BrokerSecurity
    /// Escape hatch for tuning that has no typed field; applied last.
    public var extraProperties: [String: String]
    /// The operator's choice of producer batching delay (`linger.ms`); nil leaves each
    /// producer the delay its service picked.
    public var producerLingerMilliseconds: Int?
    /// Sends each request at once (TCP_NODELAY) instead of letting Nagle's algorithm hold a
    /// small request while an earlier one is unacknowledged; librdkafka keeps Nagle on by
    /// default, and our requests are small and latency-bound.
    public var noDelay: Bool

    public init(
        bootstrapServers: String,
        clientId: String,
        security: BrokerSecurity = .plaintext,
        extraProperties: [String: String] = [:],
        producerLingerMilliseconds: Int? = nil,
        noDelay: Bool = true
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientId = clientId
        self.security = security
        self.extraProperties = extraProperties
        self.producerLingerMilliseconds = producerLingerMilliseconds
        self.noDelay = noDelay
    }

    var commonProperties: [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientId,
            // The local broker and Apache Kafka both answer ApiVersions; checking it keeps
            // librdkafka from guessing an old protocol.
            "api.version.request": "true",
            "socket.keepalive.enable": "true",
            "socket.nagle.disable": noDelay ? "true" : "false",
        ]
        properties.merge(security.librdkafkaProperties) { _, new in new }
        return properties
    }
}

/// TLS and SASL options passed through to librdkafka for production clusters.
public struct BrokerSecurity: Sendable, Equatable {
    public enum SecurityProtocol: String, Sendable {
        case plaintext, ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"
    }

    public var securityProtocol: SecurityProtocol
    /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
    public var saslMechanism: String?
    public var saslUsername: String?
    public var saslPassword: String?
    /// File with the CA certificates that sign the brokers' certificates.
    public var caLocation: String?
    public var certificateLocation: String?
    public var keyLocation: String?

    public static let plaintext = BrokerSecurity(securityProtocol: .plaintext)

    public init(
        securityProtocol: SecurityProtocol,
        saslMechanism: String? = nil,
        saslUsername: String? = nil,
        saslPassword: String? = nil,
        caLocation: String? = nil,
        certificateLocation: String? = nil,
        keyLocation: String? = nil
    ) {
        self.securityProtocol = securityProtocol
        self.saslMechanism = saslMechanism
        self.saslUsername = saslUsername
        self.saslPassword = saslPassword
        self.caLocation = caLocation
        self.certificateLocation = certificateLocation
        self.keyLocation = keyLocation
    }

    var librdkafkaProperties: [String: String] {
        var properties = ["security.protocol": securityProtocol.rawValue]
        properties["sasl.mechanisms"] = saslMechanism
        properties["sasl.username"] = saslUsername
        properties["sasl.password"] = saslPassword
        properties["ssl.ca.location"] = caLocation
        properties["ssl.certificate.location"] = certificateLocation
        properties["ssl.key.location"] = keyLocation
        return properties
    }
}
