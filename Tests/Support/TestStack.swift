import Broker
import Foundation

/// The throwaway stack `Deployment/local/stack test` started (broker, database, nginx and
/// every service), as the variables it exports describe it. Every test target finds the
/// stack here, so the variables are named in this one place. Without them the tests throw:
/// a run that forgot to start the stack fails instead of skipping.
public enum TestStack {
    /// What `start_test_stack` in Deployment/local/stack exports.
    fileprivate enum Variable: String {
        case brokers = "VARTALAP_TEST_BROKERS"
        case mongoURL = "VARTALAP_TEST_MONGO_URL"
        case publicURL = "VARTALAP_TEST_PUBLIC_URL"
        case profileURL = "VARTALAP_TEST_PROFILE_URL"
        case stackDirectory = "VARTALAP_TEST_STACK_DIR"
        case replicas = "VARTALAP_TEST_REPLICAS"
        case servicePorts = "VARTALAP_TEST_SERVICE_PORTS"
        case gatewayPublicPorts = "VARTALAP_TEST_GATEWAY_PUBLIC_PORTS"
        case s3Endpoint = "VARTALAP_TEST_S3_ENDPOINT"
        case s3AccessKey = "VARTALAP_TEST_S3_ACCESS_KEY"
        case s3SecretKey = "VARTALAP_TEST_S3_SECRET_KEY"
        case s3Bucket = "VARTALAP_TEST_S3_BUCKET"
    }

    /// A variable the tests need is missing, or does not hold what the stack script writes.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String

        fileprivate static func notSet(_ variable: Variable) -> Unavailable {
            Unavailable(description: "\(variable.rawValue) is not set: run the tests with Deployment/local/stack test")
        }

        fileprivate static func malformed(_ variable: Variable, _ value: String) -> Unavailable {
            Unavailable(description: "\(variable.rawValue)=\(value) is not what Deployment/local/stack test exports")
        }
    }

    /// The broker's bootstrap servers, e.g. 127.0.0.1:19192.
    public static func brokers() throws -> String { try value(of: .brokers) }

    public static func brokerConfiguration() throws -> BrokerConfiguration {
        BrokerConfiguration(bootstrapServers: try brokers(), clientId: uniqueName("test-client"))
    }

    /// The database server, e.g. mongodb://127.0.0.1:27217.
    public static func mongoURL() throws -> String { try value(of: .mongoURL) }

    /// nginx, where the apps connect, e.g. http://127.0.0.1:9080/v1.0.
    public static func publicURL() throws -> String { try value(of: .publicURL) }

    /// profile-ms's own HTTP port, bypassing nginx (instance 1).
    public static func profileURL() throws -> String { try value(of: .profileURL) }

    /// The stack's state: `logs/NAME-K.log` and `run/NAME-K.pid` of every process.
    public static func stackDirectory() throws -> URL {
        URL(fileURLWithPath: try value(of: .stackDirectory), isDirectory: true)
    }

    /// How many instances of every service the stack runs.
    public static func replicas() throws -> Int {
        let text = try value(of: .replicas)
        guard let replicas = Int(text) else { throw Unavailable.malformed(.replicas, text) }
        return replicas
    }

    /// Every instance's HTTP port (`/metrics`) by instance name (`session-ms-2`), and the
    /// first instance's also by service name (`session-ms`).
    public static func servicePorts() throws -> [String: Int] {
        let text = try value(of: .servicePorts)
        let entries = try text.split(separator: ",").map { entry in
            let parts = entry.split(separator: "=")
            guard parts.count == 2, let port = Int(parts[1]) else { throw Unavailable.malformed(.servicePorts, text) }
            return (String(parts[0]), port)
        }
        return Dictionary(entries) { first, _ in first }
    }

    /// Each gateway instance's public port (WebSocket and REST send), in instance order.
    public static func gatewayPublicPorts() throws -> [Int] {
        let text = try value(of: .gatewayPublicPorts)
        return try text.split(separator: ",").map { port in
            guard let number = Int(port) else { throw Unavailable.malformed(.gatewayPublicPorts, text) }
            return number
        }
    }

    /// The S3-compatible object store (SeaweedFS locally), as the services reach it, e.g.
    /// http://127.0.0.1:19433.
    public static func s3Endpoint() throws -> String { try value(of: .s3Endpoint) }

    public static func s3AccessKey() throws -> String { try value(of: .s3AccessKey) }

    public static func s3SecretKey() throws -> String { try value(of: .s3SecretKey) }

    /// A bucket that exists on the store; tests keep their objects under unique prefixes in it.
    public static func s3Bucket() throws -> String { try value(of: .s3Bucket) }

    private static func value(of variable: Variable) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable.rawValue], !value.isEmpty else {
            throw Unavailable.notSet(variable)
        }
        return value
    }
}
