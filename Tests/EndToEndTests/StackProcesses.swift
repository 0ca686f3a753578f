import Foundation
import TestSupport
import XCTest

/// The test stack's processes, for tests that crash them: pids from the stack's run
/// directory, `kill -9`, and waiting for the stack's supervisor (supervisord) to restart them.
enum StackProcesses {
    /// The stack's processes that are not service instances.
    static let infrastructure: Set = ["broker", "database", "nginx", "broker-purger"]

    /// `service` is an instance (`session-ms-2`), a service name, meaning its first
    /// instance, or one of `infrastructure`.
    static func pid(of service: String) throws -> Int32? {
        let instance = service.last?.isNumber == true || infrastructure.contains(service) ? service : "\(service)-1"
        let pidFile = try TestStack.stackDirectory().appendingPathComponent("run/\(instance).pid").path
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func isRunning(_ service: String) throws -> Bool {
        guard let pid = try pid(of: service) else { return false }
        return !isGone(pid)
    }

    static func killHard(_ service: String) throws -> Int32 {
        let victim = try XCTUnwrap(try pid(of: service))
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        for _ in 0..<500 where !isGone(victim) {
            usleep(10_000)
        }
        XCTAssertTrue(isGone(victim), "pid \(victim) survived SIGKILL")
        return victim
    }

    /// SIGTERM: the graceful stop a rolling restart uses. Returns once the process is gone.
    static func terminate(_ service: String, within timeout: Duration = .seconds(30)) async throws -> Int32 {
        let victim = try XCTUnwrap(try pid(of: service))
        XCTAssertEqual(kill(victim, SIGTERM), 0)
        try await eventually(timeout: timeout, "\(service) to stop after SIGTERM") { isGone(victim) }
        return victim
    }

    /// Starts one more instance (`session-ms-3`) with `stack start-service`; returns once it
    /// is ready. A clean exit (`terminate`) ends it for good, a crash restarts it.
    static func startExtraInstance(_ instance: String) throws {
        let stack = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Deployment/local/stack")
        let process = Process()
        process.executableURL = stack
        process.arguments = ["start-service", instance]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "stack start-service \(instance) failed")
    }

    /// The stack's supervisor starts a new process, as a restart policy would.
    static func waitForRestart(of service: String, replacing victim: Int32) async throws {
        try await eventually("the supervisor to restart \(service)") {
            guard let replacement = try pid(of: service) else { return false }
            return replacement != victim && !isGone(replacement)
        }
    }

    /// Dead or a zombie (not yet reaped by its parent).
    static func isGone(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }
}
