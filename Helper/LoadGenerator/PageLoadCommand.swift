import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// A page's support chat under load: agents online, many users writing to the page at a
/// total rate; every message must reach every agent. Reports loss, duplicates, latency per
/// copy and the stack's CPU per message.
struct PageLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page",
        abstract: "Users write to one page whose agents are all online; reports delivery to every agent, latency and CPU.")

    @Option(help: "The public URL (logins and the page's routes go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "WebSocket URL; default: the public URL's /wss (through nginx).") var websocketUrl: String?
    @Option(help: "The page's agents, each with one connection.") var agents = 20
    @Option(help: "Users writing to the page, each with one connection.") var users = 500
    @Option(help: "Messages per second, all users together.") var rate = 200
    @Option(help: "Seconds of measured sending.") var duration = 30
    @Option(help: "Seconds of sending before measuring starts.") var warmup = 3
    @Option(help: "Seconds to wait for outstanding deliveries after sending stops.") var drain = 30
    @Option(help: "The stack's run directory (pid files): its processes' CPU is sampled from /proc; empty: no CPU report.")
    var stackRunDir = ".infra/stack/run"
    @Option(help: "Seconds of idle CPU sampling before the run.") var idleSeconds = 10

    func validate() throws {
        guard agents >= 1, users >= 1, rate >= 1, duration >= 1, warmup >= 0 else {
            throw ValidationError("agents >= 1, users >= 1, rate >= 1, duration >= 1")
        }
    }

    func run() async throws {
        let prefix = "page-load-\(UUID().uuidString.prefix(6).lowercased())"
        let agentNames = (0..<agents).map { "\(prefix)-agent-\($0)" }, userNames = (0..<users).map { "\(prefix)-user-\($0)" }
        print("logging in \(agents) agents and \(users) users")
        let keys = try await Login.accessKeys(for: agentNames + userNames, publicURL: publicUrl)
        let page = try await makePage(agents: agentNames, keys: keys)
        print("page \(page) with \(agents) agents")
        let socketURL = websocketUrl ?? publicUrl.replacingOccurrences(of: "http", with: "ws", options: .anchored) + "/wss/?format=text&ack=true"

        let cpu = stackRunDir.isEmpty ? nil : StackCPU(runDirectory: stackRunDir)
        var idle: [String: Double] = [:]
        if let cpu, idleSeconds > 0 {
            print("sampling the stack's idle CPU for \(idleSeconds) s")
            let start = cpu.sample()
            try await Task.sleep(for: .seconds(idleSeconds))
            idle = StackCPU.percentages(from: start, to: cpu.sample(), over: Double(idleSeconds))
        }
        let senders = RunTally(), copies = RunTally()
        let flag = MeasuringFlag()
        let agentUsers = agentNames.map { VirtualUser(name: $0, tally: copies, measuring: { flag.isOn }, countsEachRecipient: true) }
        let writers = userNames.map { VirtualUser(name: $0, tally: senders, measuring: { flag.isOn }) }
        print("connecting \(agents + users) sockets to \(socketURL)")
        try await withThrowingTaskGroup(of: Void.self) { connections in
            for user in agentUsers + writers {
                try await user.open(url: socketURL, key: keys[user.name]!, in: &connections)
            }
            let window = try await drive(writers, page: page, agents: agentNames, senders: senders, copies: copies, flag: flag, cpu: cpu)
            (agentUsers + writers).forEach { $0.close() }
            connections.cancelAll()
            print(report(senders: senders, copies: copies, agents: agentNames))
            if let window {
                print(CPUReport(idle: idle, loaded: window.percentages, loadedSeconds: window.seconds, messages: window.messages))
            }
        }
    }

    /// Paces the users' sends at the target rate, each send also registered as one expected
    /// copy per agent; then drains until every server-acked message reached every agent.
    private func drive(
        _ writers: [VirtualUser], page: String, agents: [String], senders: RunTally, copies: RunTally, flag: MeasuringFlag,
        cpu: StackCPU?
    ) async throws -> MessageLoadCommand.CPUWindow? {
        let start = ContinuousClock.now
        let measuredFrom = start + .seconds(warmup), end = measuredFrom + .seconds(duration)
        var issued = 0, measuredIssued = 0
        var cpuAtStart: StackCPU.Sample?
        while ContinuousClock.now < end {
            let now = ContinuousClock.now
            if !flag.isOn, now >= measuredFrom {
                flag.turnOn()
                measuredIssued = issued
                cpuAtStart = cpu?.sample()
            }
            let due = Int(Double(rate) * (now - start).seconds)
            while issued < due {
                let id = "pm\(issued)"
                let sentAt = Clock.microseconds()
                for agent in agents { copies.sent("\(id)@\(agent)", at: sentAt, measured: flag.isOn) }
                writers[issued % writers.count].send(toPage: page, id: id)
                issued += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        let sendingEnded = ContinuousClock.now
        var window: MessageLoadCommand.CPUWindow?
        if let cpu, let cpuAtStart {
            let seconds = (sendingEnded - measuredFrom).seconds
            window = .init(percentages: StackCPU.percentages(from: cpuAtStart, to: cpu.sample(), over: seconds), seconds: seconds, messages: issued - measuredIssued)
        }
        let deadline = sendingEnded + .seconds(drain)
        while ContinuousClock.now < deadline, missing(senders: senders, copies: copies, agents: agents) > 0 || senders.serverAckedCount < issued {
            try await Task.sleep(for: .milliseconds(100))
        }
        return window
    }

    private func missing(senders: RunTally, copies: RunTally, agents: [String]) -> Int {
        let delivered = copies.deliveredKeys
        return senders.ackedIds.reduce(0) { sum, id in sum + agents.count { !delivered.contains("\(id)@\($0)") } }
    }

    private func report(senders: RunTally, copies: RunTally, agents: [String]) -> String {
        let sent = senders.counts, received = copies.counts
        var lines = [
            "agents \(agents.count), users \(users), target \(rate)/s, measured \(duration) s after \(warmup) s warm-up",
            "sent \(sent.sent)  server-acked \(sent.serverAcked)  copies expected \(sent.serverAcked * agents.count)  copies delivered \(received.delivered)  lost copies \(missing(senders: senders, copies: copies, agents: agents))  duplicate copies \(received.duplicates)",
            "server-ack latency: \(senders.serverAckLatency.summary)",
            "end-to-end latency per copy: \(copies.endToEndLatency.summary)",
        ]
        let errors = sent.errors.merging(received.errors, uniquingKeysWith: +)
        if !errors.isEmpty { lines.append("errors: \(errors)") }
        return lines.joined(separator: "\n")
    }

    /// The first agent makes the page and adds the others as moderators.
    private func makePage(agents: [String], keys: [String: String]) async throws -> String {
        let admin = agents[0]
        let created = try await call("POST", "/pages", ["name": "Load test support"], as: admin, key: keys[admin]!)
        guard let page = created["id"] as? String else { throw Login.Failed(description: "creating the page: \(created)") }
        for start in stride(from: 1, to: agents.count, by: 100) {
            let batch = Array(agents[start..<min(start + 100, agents.count)])
            _ = try await call("POST", "/pages/\(page)/agents", ["usernames": batch], as: admin, key: keys[admin]!)
        }
        return page
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any], as user: String, key: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: publicUrl + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user", value: user)
        request.headers.add(name: "accesskey", value: key)
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)),
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        else { throw Login.Failed(description: "\(method) \(path): \(response.status.code) \(String(buffer: bytes))") }
        return object
    }
}
