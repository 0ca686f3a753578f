import ArgumentParser
import Foundation

/// What an idle stack costs: every stack process's CPU over a quiet period, from /proc.
struct IdleCPUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Samples the CPU of every stack process while nothing is sent and prints it per process.")

    @Option(help: "The stack's run directory (pid files).") var stackRunDir = ".infra/stack/run"
    @Option(help: "Seconds to sample.") var seconds = 60

    func run() async throws {
        let cpu = StackCPU(runDirectory: stackRunDir)
        guard !cpu.processes().isEmpty else { throw ValidationError("no pid files in \(stackRunDir): is the stack up?") }
        let start = cpu.sample()
        try await Task.sleep(for: .seconds(seconds))
        let percentages = StackCPU.percentages(from: start, to: cpu.sample(), over: Double(seconds))
        print("idle CPU over \(seconds) s, percent of one core:")
        for (name, percent) in percentages.sorted(by: { $0.key < $1.key }) {
            print("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%6.2f", percent))
        }
        print("  " + "all".padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%6.2f", percentages.values.reduce(0, +)))
    }
}
