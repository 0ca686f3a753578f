import ArgumentParser
import Logging

/// Only the broker floor, for comparing brokers or settings.
struct BrokerFloorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-floor", abstract: "The broker's produce-to-consume round trip at a given rate.")

    @Option(help: "Kafka bootstrap servers.") var brokers = "127.0.0.1:19092"
    @Option(help: "Records per second.") var rate = 1000
    @Option(help: "Records in all.") var count = 10_000

    func run() async throws {
        var logger = Logger(label: "vartalap-load")
        logger.logLevel = .warning
        let floor = try await BrokerFloor.measure(brokers: brokers, rate: rate, count: count, logger: logger)
        print("broker floor at \(rate)/s: \(floor)")
    }
}
