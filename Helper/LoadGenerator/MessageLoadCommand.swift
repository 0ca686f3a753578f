import ArgumentParser
import Foundation
import Logging
import Synchronization

/// One-to-one load: virtual users in a ring, each sending to the next, at a total target
/// rate for a duration; then a drain, and the report.
struct MessageLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "Sends one-to-one messages between virtual users and reports delivery, loss, duplicates and latency.")

    @Option(help: "The public URL (logins go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "WebSocket URL; default: the public URL's /wss (through nginx). Point it at a gateway's public port to bypass nginx.")
    var websocketUrl: String?
    @Option(help: "Virtual users (each holds one connection).") var users = 100
    @Option(help: "Messages per second, all users together.") var rate = 1000
    @Option(help: "Seconds of measured sending.") var duration = 30
    @Option(help: "Seconds of sending before measuring starts.") var warmup = 3
    @Option(help: "Seconds to wait for outstanding deliveries after sending stops.") var drain = 30
    @Option(help: "Kafka bootstrap servers: also measure the broker floor at the same rate.") var brokers: String?
    @Option(help: "The stack's run directory (pid files): its processes' CPU is sampled from /proc; empty: no CPU report.")
    var stackRunDir = ".infra/stack/run"
    @Option(help: "Seconds of idle CPU sampling before the run.") var idleSeconds = 10

    func validate() throws {
        guard users >= 2, rate >= 1, duration >= 1, warmup >= 0 else { throw ValidationError("users >= 2, rate >= 1, duration >= 1") }
    }

    func run() async throws {
        let prefix = "load-\(UUID().uuidString.prefix(6).lowercased())"
        let names = (0..<users).map { "\(prefix)-\($0)" }
        print("logging in \(users) users")
        let keys = try await Login.accessKeys(for: names, publicURL: publicUrl)
        let socketURL = websocketUrl ?? publicUrl.replacingOccurrences(of: "http", with: "ws", options: .anchored) + "/wss/?format=text&ack=true"

        let cpu = stackRunDir.isEmpty ? nil : StackCPU(runDirectory: stackRunDir)
        if let cpu { print("stack: \(cpu.replicas.map { "\($0) instance(s) of every service" } ?? "replica count not recorded")") }
        var idle: [String: Double] = [:]
        if let cpu, idleSeconds > 0 {
            print("sampling the stack's idle CPU for \(idleSeconds) s")
            let start = cpu.sample()
            try await Task.sleep(for: .seconds(idleSeconds))
            idle = StackCPU.percentages(from: start, to: cpu.sample(), over: Double(idleSeconds))
        }
        let tally = RunTally()
        let flag = MeasuringFlag()
        let virtualUsers = names.map { VirtualUser(name: $0, tally: tally, measuring: { flag.isOn }) }
        print("connecting \(users) sockets to \(socketURL)")
        try await withThrowingTaskGroup(of: Void.self) { connections in
            for user in virtualUsers {
                try await user.open(url: socketURL, key: keys[user.name]!, in: &connections)
            }
            let (report, window) = try await drive(virtualUsers, tally: tally, flag: flag, cpu: cpu)
            virtualUsers.forEach { $0.close() }
            connections.cancelAll()
            print(report)
            if let window {
                print(CPUReport(idle: idle, loaded: window.percentages, loadedSeconds: window.seconds, messages: window.messages))
            }
        }
        if let brokers {
            var logger = Logger(label: "vartalap-load")
            logger.logLevel = .warning
            let floor = try await BrokerFloor.measure(brokers: brokers, rate: rate, count: min(rate * 10, 50_000), logger: logger)
            let endToEnd = tally.endToEndLatency.summary
            print("broker floor (one produce->consume hop, same rate): \(floor)")
            print(String(format: "end-to-end / floor: p50 %.1fx  p99 %.1fx", endToEnd.p50 / max(floor.p50, 0.001), endToEnd.p99 / max(floor.p99, 0.001)))
        }
    }

    /// Paces sends at the target rate (each user sends to the next one in the ring), then
    /// waits until every server-acked message was delivered or the drain time is up.
    private func drive(_ users: [VirtualUser], tally: RunTally, flag: MeasuringFlag, cpu: StackCPU?) async throws
        -> (String, CPUWindow?)
    {
        let start = ContinuousClock.now
        var cpuAtStart: StackCPU.Sample?
        let measuredFrom = start + .seconds(warmup)
        let end = measuredFrom + .seconds(duration)
        var issued = 0
        var measuredIssued = 0
        while ContinuousClock.now < end {
            let now = ContinuousClock.now
            if !flag.isOn, now >= measuredFrom {
                flag.turnOn()
                measuredIssued = issued
                cpuAtStart = cpu?.sample()
            }
            let elapsed = now - start
            let due = Int(Double(rate) * elapsed.seconds)
            while issued < due {
                let sender = issued % users.count
                users[sender].send(to: users[(sender + 1) % users.count].name, id: "m\(issued)")
                issued += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        let measuredCount = issued - measuredIssued
        let sendingEnded = ContinuousClock.now
        var window: CPUWindow?
        if let cpu, let cpuAtStart {
            let seconds = (sendingEnded - measuredFrom).seconds
            window = CPUWindow(
                percentages: StackCPU.percentages(from: cpuAtStart, to: cpu.sample(), over: seconds), seconds: seconds,
                messages: measuredCount)
        }
        let drainDeadline = sendingEnded + .seconds(drain)
        while ContinuousClock.now < drainDeadline {
            let counts = tally.counts
            if counts.serverAcked + counts.errors.values.reduce(0, +) >= counts.sent, counts.lost == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let counts = tally.counts
        let throughput = Double(measuredCount) / Double(duration)
        var lines = [
            "users \(users.count), target \(rate)/s, measured \(duration) s after \(warmup) s warm-up",
            "sent \(counts.sent)  server-acked \(counts.serverAcked)  delivered \(counts.delivered)  lost \(counts.lost)  duplicates \(counts.duplicates)",
            String(format: "offered throughput %.0f msg/s (measured window)", throughput),
            "server-ack latency: \(tally.serverAckLatency.summary)",
            "end-to-end latency: \(tally.endToEndLatency.summary)",
        ]
        if !counts.errors.isEmpty { lines.append("errors: \(counts.errors)") }
        return (lines.joined(separator: "\n"), window)
    }

    /// The stack's CPU over the measured window (sampled when it starts and ends).
    struct CPUWindow {
        let percentages: [String: Double]
        let seconds: Double
        let messages: Int
    }
}

/// Whether latencies are being recorded yet (not during the warm-up).
final class MeasuringFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isOn: Bool { value.load(ordering: .relaxed) }
    func turnOn() { value.store(true, ordering: .relaxed) }
}
