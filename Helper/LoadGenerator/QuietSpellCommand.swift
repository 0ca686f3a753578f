import ArgumentParser
import Foundation

/// The first message after a quiet spell: with idle consumers paused (IdleFetchPacing), how
/// long does one message take to reach its recipient when nothing moved for a while?
struct QuietSpellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quiet",
        abstract: "Sends single messages after seconds of silence and reports their end-to-end latency.")

    @Option(help: "The public URL (logins go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "Messages to send, each after a silence.") var probes = 20
    @Option(help: "Seconds of silence before each message.") var silence = 10
    @Option(help: "Seconds to wait for each message before counting it lost.") var timeout = 10

    func validate() throws {
        guard probes >= 1, silence >= 0, timeout >= 1 else { throw ValidationError("probes >= 1, silence >= 0, timeout >= 1") }
    }

    func run() async throws {
        let prefix = "quiet-\(UUID().uuidString.prefix(6).lowercased())"
        let names = ["\(prefix)-sender", "\(prefix)-recipient"]
        let keys = try await Login.accessKeys(for: names, publicURL: publicUrl)
        let socketURL = publicUrl.replacingOccurrences(of: "http", with: "ws", options: .anchored) + "/wss/?format=text&ack=true"
        let tally = RunTally()
        let users = names.map { VirtualUser(name: $0, tally: tally, measuring: { true }) }
        try await withThrowingTaskGroup(of: Void.self) { connections in
            for user in users { try await user.open(url: socketURL, key: keys[user.name]!, in: &connections) }
            for probe in 0..<probes {
                print("probe \(probe + 1)/\(probes): \(silence) s of silence")
                try await Task.sleep(for: .seconds(silence))
                users[0].send(to: users[1].name, id: "q\(probe)")
                let deadline = ContinuousClock.now + .seconds(timeout)
                while tally.counts.delivered <= probe, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            users.forEach { $0.close() }
            connections.cancelAll()
        }
        let counts = tally.counts
        print("quiet-spell probes \(probes) after \(silence) s of silence each: delivered \(counts.delivered), lost \(counts.lost)")
        print("server-ack latency: \(tally.serverAckLatency.summary)")
        print("end-to-end latency: \(tally.endToEndLatency.summary)")
        print("each, in ms: " + tally.endToEndLatency.milliseconds.map { String(format: "%.1f", $0) }.joined(separator: " "))
    }
}
