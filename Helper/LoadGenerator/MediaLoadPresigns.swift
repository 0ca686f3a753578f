import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// `vartalap-load media`'s first part: presigned upload URLs as fast as `concurrency`
/// requests in flight get them, the users taking turns so none goes past its budget.
struct PresignLoad: Sendable {
    let http: HTTPClient
    let publicURL: String
    let users: [MediaUser]
    let concurrency: Int
    let duration: Int
    let warmup: Int
    let count: Int
    let presignsPerUser: Int

    /// What the workers share.
    private final class Shared: Sendable {
        /// The next presign's number: presign `i` is asked by user `i % users`.
        let next = Atomic<Int>(0)
        /// Presigns started after the warm-up (with `--count`).
        let measuredStarted = Atomic<Int>(0)
        let budgetUsedUp = Atomic<Bool>(false)
        let latency = LatencyRecorder()
        let state = Mutex(State())
    }

    private struct State {
        var ok = 0
        var failures: [String: Int] = [:]
        var warmupFailures = 0
        var fileIds: [(user: Int, fileId: String)] = []
        var lastMeasuredEnd: ContinuousClock.Instant?
    }

    struct Report: CustomStringConvertible {
        let ok: Int
        let failures: [String: Int]
        let warmupPresigns: Int
        let warmupFailures: Int
        let seconds: Double
        let latency: LatencySummary
        let budgetUsedUp: Bool
        let budget: Int
        let cpu: [String: Double]?
        let ownCPU: Double
        let fileIds: [(user: Int, fileId: String)]

        var description: String {
            let failed = failures.values.reduce(0, +)
            var lines = [
                String(
                    format: "presigned %d in %.2f s measured: %.0f presigns/s (200s only; %d failed; not counted: %d presigned and %d failed in the warm-up)",
                    ok, seconds, seconds > 0 ? Double(ok) / seconds : 0, failed, warmupPresigns, warmupFailures),
                "latency (200s): \(latency)",
            ]
            if !failures.isEmpty {
                lines.append("failed by status: " + failures.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))
            }
            if budgetUsedUp {
                lines.append(
                    "stopped early: all \(budget) presigns the users may be asked for (--users x --presigns-per-user) were asked; the measured window ends with the last answer; give more --users"
                )
            }
            lines.append("CPU over the measured window (% of one core; CPU ms per presign):")
            if let cpu {
                for (name, percent) in cpu.sorted(by: { $0.value > $1.value }) where percent >= 0.05 {
                    lines.append(
                        "  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                            + String(format: " %6.1f %%  %7.3f ms", percent, perPresign(percent)))
                }
                let total = cpu.values.reduce(0, +)
                lines.append("  " + "stack, all".padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %6.1f %%  %7.3f ms", total, perPresign(total)))
            }
            lines.append(
                "  " + "vartalap-load".padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %6.1f %%  %7.3f ms  (this tool, on the same machine)", ownCPU, perPresign(ownCPU)))
            return lines.joined(separator: "\n")
        }

        private func perPresign(_ percent: Double) -> Double {
            ok > 0 ? percent / 100 * seconds * 1000 / Double(ok) : 0
        }
    }

    func run(cpu: StackCPU?) async throws -> Report {
        let shared = Shared()
        let budget = users.count * presignsPerUser
        let start = ContinuousClock.now
        let measuredFrom = start + .seconds(warmup)
        let end = measuredFrom + .seconds(duration)
        // The CPU window opens when measuring starts and closes when the last worker is done.
        let opening = Task { () -> (StackCPU.Sample?, Double, ContinuousClock.Instant) in
            try? await Task.sleep(until: measuredFrom)
            return (cpu?.sample(), OwnCPU.seconds(), ContinuousClock.now)
        }
        await withTaskGroup(of: Void.self) { workers in
            for _ in 0..<concurrency {
                workers.addTask { await work(shared, budget: budget, measuredFrom: measuredFrom, end: end) }
            }
        }
        let (cpuStart, ownStart, openedAt) = await opening.value
        let closedAt = ContinuousClock.now
        let cpuEnd = cpu?.sample(), ownEnd = OwnCPU.seconds()
        let cpuSeconds = (closedAt - openedAt).seconds
        let state = shared.state.withLock { $0 }
        let measuredEnd = state.lastMeasuredEnd ?? measuredFrom
        let latency = shared.latency.summary
        var percentages: [String: Double]?
        if let cpuStart, let cpuEnd {
            percentages = StackCPU.percentages(from: cpuStart, to: cpuEnd, over: cpuSeconds)
        }
        return Report(
            ok: latency.count, failures: state.failures, warmupPresigns: state.ok - latency.count,
            warmupFailures: state.warmupFailures,
            seconds: (measuredEnd - measuredFrom).seconds, latency: latency,
            budgetUsedUp: shared.budgetUsedUp.load(ordering: .relaxed), budget: budget, cpu: percentages,
            ownCPU: cpuSeconds > 0 ? (ownEnd - ownStart) / cpuSeconds * 100 : 0, fileIds: state.fileIds)
    }

    /// One worker: presign after presign until the time, the count or the users' budget is used up.
    private func work(_ shared: Shared, budget: Int, measuredFrom: ContinuousClock.Instant, end: ContinuousClock.Instant) async {
        while true {
            let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < budget else {
                shared.budgetUsedUp.store(true, ordering: .relaxed)
                return
            }
            let started = ContinuousClock.now
            let measured = started >= measuredFrom
            if measured {
                if count > 0 {
                    guard shared.measuredStarted.wrappingAdd(1, ordering: .relaxed).oldValue < count else { return }
                } else if started >= end {
                    return
                }
            }
            let userIndex = index % users.count
            let outcome = await presign(users[userIndex])
            let finished = ContinuousClock.now
            if case .success = outcome, measured {
                shared.latency.record(microseconds: UInt64((finished - started).seconds * 1_000_000))
            }
            shared.state.withLock { state in
                switch outcome {
                case .success(let fileId):
                    state.ok += 1
                    state.fileIds.append((userIndex, fileId))
                case .failure(let reason):
                    if measured { state.failures[reason, default: 0] += 1 } else { state.warmupFailures += 1 }
                }
                if measured { state.lastMeasuredEnd = max(state.lastMeasuredEnd ?? finished, finished) }
            }
        }
    }

    private enum Outcome {
        case success(fileId: String)
        case failure(String)
    }

    private func presign(_ user: MediaUser) async -> Outcome {
        var request = HTTPClientRequest(url: publicURL + "/assets/upload/presigned_url?ext=jpg&category=chat")
        user.authorize(&request)
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status.code == 200 else { return .failure(String(response.status.code)) }
            guard let fileId = MediaAnswer.string("fileId", in: body), MediaAnswer.string("url", in: body) != nil else {
                return .failure("200 without url and fileId")
            }
            return .success(fileId: fileId)
        } catch {
            return .failure("no answer: \(String(describing: error).prefix(80))")
        }
    }

    /// Reports every upload `fileIds` names failed, `concurrency` at a time, so the run
    /// leaves nothing pending.
    func release(_ fileIds: [(user: Int, fileId: String)]) async -> String {
        let shared = ReleaseState()
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { workers in
            for _ in 0..<concurrency {
                workers.addTask {
                    while true {
                        let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < fileIds.count else { return }
                        let (user, fileId) = fileIds[index]
                        let outcome = await reportFailed(fileId, by: users[user])
                        shared.outcomes.withLock { $0[outcome, default: 0] += 1 }
                    }
                }
            }
        }
        let seconds = (ContinuousClock.now - start).seconds
        let counts = shared.outcomes.withLock { $0 }
        return String(format: "released %d in %.1f s (%.0f/s): ", fileIds.count, seconds, seconds > 0 ? Double(fileIds.count) / seconds : 0)
            + counts.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
    }

    private final class ReleaseState: Sendable {
        let next = Atomic<Int>(0)
        let outcomes = Mutex<[String: Int]>([:])
    }

    private func reportFailed(_ fileId: String, by user: MediaUser) async -> String {
        var request = HTTPClientRequest(url: publicURL + "/assets/\(fileId)/status")
        request.method = .PUT
        user.authorize(&request)
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{\"status\": false}"))
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 64 * 1024)
            return String(response.status.code)
        } catch {
            return "no answer: \(String(describing: error).prefix(80))"
        }
    }
}
