import ArgumentParser

/// vartalap-load: the project's benchmark tools (Docs/BENCHMARKS.md).
@main
struct LoadGeneratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vartalap-load",
        abstract: "Vartalap load generator and connection-capacity test.",
        subcommands: [
            MessageLoadCommand.self, OfflineLoadCommand.self, CapacityCommand.self, BrokerFloorCommand.self,
            DatabaseFloorCommand.self, QuietSpellCommand.self, IdleCPUCommand.self, UnreadConnectionsCommand.self, ArchiveLoadCommand.self,
            MediaLoadCommand.self, PageLoadCommand.self, SearchLoadCommand.self,
        ])
}
