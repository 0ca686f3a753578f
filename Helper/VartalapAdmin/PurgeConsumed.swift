import ArgumentParser
import Broker
import ServiceKit

/// `vartalap-admin purge-consumed`: keeps a broker that holds every record in memory
/// (the local one) down to the records some consumer group still has to read. The local
/// stack runs it beside the broker; Apache Kafka's time-based retention makes it
/// unnecessary there.
struct PurgeConsumed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge-consumed",
        abstract: "Delete records every consumer group has committed past, every --interval-ms, until stopped.",
        discussion: """
            A partition's records go once every group reading its topic has committed past \
            them; a group with no commit on a partition it reads keeps that whole partition, \
            and nothing goes while a group rebalances. A group that never joined is not seen: \
            it starts where the records start, as after time-based retention. Topics nobody \
            reads (dead-letter) are kept.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Milliseconds between two purge rounds (env PURGE_INTERVAL_MS).")
    var intervalMs: Int = EnvironmentDefault.int("PURGE_INTERVAL_MS", 1000)

    @Flag(help: "Run one round, print what it purged and exit.")
    var once = false

    func validate() throws {
        guard intervalMs > 0 else { throw ValidationError("--interval-ms must be above 0") }
    }

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: ["interval_ms": "\(intervalMs)"])
        let admin = try ConsumerGroupAdmin(configuration: common.brokerConfiguration, logger: environment.logger)
        defer { admin.close() }
        let purger = ConsumedRecordsPurger(admin: admin, logger: environment.logger)
        if once {
            let round = try await purger.purgeOnce()
            for (partition, first) in round.purged.sorted(by: { $0.key.description < $1.key.description }) {
                print("\(partition) now starts at \(first)")
            }
            for (partition, reason) in round.failures { print("\(partition) refused: \(reason)") }
            if round.waitedForRebalance { print("a group is rebalancing: nothing purged") }
            return
        }
        environment.logger.info("purging consumed records", metadata: ["interval_ms": "\(intervalMs)"])
        await purger.run(every: .milliseconds(intervalMs))
    }
}
