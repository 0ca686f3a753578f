import Broker
import Foundation
import Logging

/// The broker and database a test run uses (`Deployment/local/stack test` sets both).
/// Without them the tests throw: a run that forgot to start them fails instead of skipping.
public enum TestEnvironment {
    public static let brokersVariable = "VARTALAP_TEST_BROKERS"
    public static let mongoVariable = "VARTALAP_TEST_MONGO_URL"

    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: run the tests with Deployment/local/stack test, or start the broker "
                + "and database yourself and set \(TestEnvironment.brokersVariable) and \(TestEnvironment.mongoVariable)"
        }
    }

    public static func brokers() throws -> String {
        try value(of: brokersVariable)
    }

    public static func mongoURL() throws -> String {
        try value(of: mongoVariable)
    }

    public static func brokerConfiguration() throws -> BrokerConfiguration {
        BrokerConfiguration(bootstrapServers: try brokers(), clientId: uniqueName("test-client"))
    }

    /// Quiet unless something goes wrong.
    public static let logger: Logger = {
        var logger = Logger(label: "vartalap-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Where service processes started by tests write their output: one folder, so test runs
    /// do not scatter log files over the temporary directory.
    public static func logFile(named prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vartalap-test-logs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(uniqueName(prefix) + ".log")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        return file
    }

    /// A name no other test, and no earlier run against the same servers, uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    private static func value(of variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }
}
