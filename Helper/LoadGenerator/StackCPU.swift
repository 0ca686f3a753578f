import Foundation

/// CPU time of the stack's processes, read from /proc (Linux): every pid the stack
/// recorded in its run directory (`.infra/stack/run/NAME.pid`), each with its live
/// descendants (nginx's workers) and the reaped children it waited for, but not another
/// recorded process (supervisord is the parent of every other one).
struct StackCPU {
    /// Process name -> CPU seconds used so far.
    typealias Sample = [String: Double]

    let runDirectory: String
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// How many instances of every service the stack runs (`stack up --replicas`).
    var replicas: Int? {
        (try? String(contentsOfFile: runDirectory + "/replicas", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The stack's processes by name, from their pid files.
    func processes() -> [String: Int32] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
        var result: [String: Int32] = [:]
        for file in files where file.hasSuffix(".pid") {
            let text = (try? String(contentsOfFile: runDirectory + "/" + file, encoding: .utf8)) ?? ""
            if let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                result[String(file.dropLast(4))] = pid
            }
        }
        return result
    }

    func sample() -> Sample {
        let all = Self.allProcesses()
        var children: [Int32: [Int32]] = [:]
        for (pid, stat) in all { children[stat.parent, default: []].append(pid) }
        let recorded = processes()
        let roots = Set(recorded.values)
        var sample: Sample = [:]
        for (name, root) in recorded where all[root] != nil {
            var total = 0.0
            var pending = [root]
            while let pid = pending.popLast() {
                total += all[pid]?.cpuSeconds ?? 0
                pending += (children[pid] ?? []).filter { !roots.contains($0) }
            }
            sample[name] = total
        }
        return sample
    }

    /// Percent of one core each process used between two samples.
    static func percentages(from start: Sample, to end: Sample, over seconds: Double) -> [String: Double] {
        var result: [String: Double] = [:]
        for (name, used) in end {
            guard let before = start[name], seconds > 0 else { continue }
            result[name] = max(0, used - before) / seconds * 100
        }
        return result
    }

    private struct Stat {
        let parent: Int32
        let cpuSeconds: Double
    }

    private static func allProcesses() -> [Int32: Stat] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var result: [Int32: Stat] = [:]
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // Fields after the command name: state ppid ... utime(14) stime cutime cstime.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 15, let parent = Int32(fields[1]) else { continue }
            let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
            result[pid] = Stat(parent: parent, cpuSeconds: ticks / ticksPerSecond)
        }
        return result
    }
}

/// The per-process CPU report of a load run: idle before it, and under load.
struct CPUReport: CustomStringConvertible {
    let idle: [String: Double]
    let loaded: [String: Double]
    let loadedSeconds: Double
    let messages: Int
    /// The services whose CPU is what one message costs on its way (issue #14's sum).
    static let messagePath = ["ws-gateway", "message-router", "session-ms"]

    /// `session-ms-2` -> `session-ms`; names without an instance number stay as they are.
    static func service(of process: String) -> String {
        guard let dash = process.lastIndex(of: "-"), Int(process[process.index(after: dash)...]) != nil else { return process }
        return String(process[..<dash])
    }

    func millisecondsPerMessage(_ name: String) -> Double {
        guard messages > 0, let percent = loaded[name] else { return 0 }
        return percent / 100 * loadedSeconds * 1000 / Double(messages)
    }

    var description: String {
        var lines = ["process               idle %   load %   CPU ms/message"]
        for name in (Set(idle.keys).union(loaded.keys)).sorted() {
            lines.append(
                name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %7.1f  %7.1f  %8.3f", idle[name] ?? 0, loaded[name] ?? 0, millisecondsPerMessage(name)))
        }
        let idleTotal = idle.values.reduce(0, +), loadedTotal = loaded.values.reduce(0, +)
        let total = messages > 0 ? loadedTotal / 100 * loadedSeconds * 1000 / Double(messages) : 0
        lines.append("all".padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %7.1f  %7.1f  %8.3f", idleTotal, loadedTotal, total))
        // Every instance of each service on the path (`ws-gateway-1`, `ws-gateway-2`, ...).
        let path = loaded.keys.filter { Self.messagePath.contains(Self.service(of: $0)) }.map(millisecondsPerMessage)
            .reduce(0, +)
        lines.append(String(format: "gateway + message-router + session-ms: %.3f ms of CPU per message", path))
        return lines.joined(separator: "\n")
    }
}
