import ArgumentParser
import Foundation
@testable import ServiceKit
import XCTest

final class CommonOptionsTests: XCTestCase {
    private func withEnvironment<T>(_ values: [String: String], _ body: () throws -> T) rethrows -> T {
        for (name, value) in values { setenv(name, value, 1) }
        defer { values.keys.forEach { unsetenv($0) } }
        return try body()
    }

    func testFlagsFallBackToEnvironmentVariables() throws {
        let options = try withEnvironment(["KAFKA_BROKERS": "kafka-1:9092,kafka-2:9092", "HTTP_PORT": "9100"]) {
            try CommonOptions.parse([])
        }
        XCTAssertEqual(options.kafkaBrokers, "kafka-1:9092,kafka-2:9092")
        XCTAssertEqual(options.httpPort, 9100)
        XCTAssertEqual(options.brokerConfiguration.bootstrapServers, "kafka-1:9092,kafka-2:9092")
    }

    func testAFlagWinsOverItsEnvironmentVariable() throws {
        let options = try withEnvironment(["HTTP_PORT": "9100"]) {
            try CommonOptions.parse(["--http-port", "9200"])
        }
        XCTAssertEqual(options.httpPort, 9200)
    }

    func testInvalidValuesAreRefused() {
        XCTAssertThrowsError(try CommonOptions.parse(["--log-level", "loud"]))
        XCTAssertThrowsError(try CommonOptions.parse(["--http-port", "0"]))
        XCTAssertThrowsError(try CommonOptions.parse(["--kafka-brokers", "no-port"]))
        XCTAssertThrowsError(try CommonOptions.parse(["--mongo-url", "http://db"]))
        XCTAssertThrowsError(try CommonOptions.parse(["--kafka-security-protocol", "sasl_ssl"]))
    }

    func testTheSummaryHidesSecrets() throws {
        let options = try CommonOptions.parse([
            "--mongo-url", "mongodb://admin:s3cret@db:27017/?tls=true",
            "--kafka-security-protocol", "sasl_ssl", "--kafka-sasl-mechanism", "PLAIN",
            "--kafka-sasl-username", "svc", "--kafka-sasl-password", "hunter2",
        ])
        let summary = options.redactedSummary.values.joined(separator: " ")
        XCTAssertFalse(summary.contains("s3cret"))
        XCTAssertFalse(summary.contains("hunter2"))
        XCTAssertTrue(summary.contains("mongodb://***@db:27017"))
        XCTAssertEqual(options.brokerConfiguration.security.saslPassword, "hunter2")
    }

    func testTopicNamesHaveTheDocumentedDefaultsAndMustBeDistinct() throws {
        let topics = try TopicOptions.parse([])
        XCTAssertEqual(
            topics.allTopicNames,
            ["new-message", "send-message", "system-message", "new-group-message", "offline-message",
             "client-ack", "user-connection-state", "new-login", "dead-letter"])
        XCTAssertThrowsError(try TopicOptions.parse(["--client-ack-topic", "new-message"]))
    }
}
