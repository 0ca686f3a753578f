import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import XCTest

/// A profile-ms of its own for a test, started from the build's binary against the test
/// stack's broker and database, and stopped with SIGTERM.
final class ProfileProcess: Sendable {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    let url: String
    let logFile: URL
    private let process: Process

    static func binary() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        // The test bundle sits beside the executables it was built with.
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            root.appendingPathComponent(".build/debug"),
        ]
        for directory in candidates {
            let binary = directory.appendingPathComponent("profile-ms")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        throw Failed(description: "profile-ms is not built next to the tests (looked in \(candidates.map(\.path)))")
    }

    /// Runs the binary to completion with `arguments` (for `--check-config` and refusals).
    static func runToExit(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let outputFile = try temporaryLog()
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        let exited = Mutex(false)
        process.terminationHandler = { _ in exited.withLock { $0 = true } }
        try process.run()
        try await eventually("profile-ms to exit") { exited.withLock { $0 } }
        try output.close()
        return (process.terminationStatus, try String(contentsOf: outputFile, encoding: .utf8))
    }

    private static func temporaryLog() throws -> URL {
        try TestStack.logFile(named: "profile-ms")
    }

    /// Starts profile-ms with `arguments` on a free port and waits for `/ready`.
    init(_ arguments: [String]) async throws {
        let port = try await Self.freePort()
        url = "http://127.0.0.1:\(port)"
        logFile = try Self.temporaryLog()
        let log = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = try Self.binary()
        process.arguments =
            [
                "--app-name", "profile-ms-test", "--kafka-brokers", try TestStack.brokers(),
                "--mongo-url", try TestStack.mongoURL(), "--http-port", "\(port)", "--log-level", "debug",
            ] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let url = self.url
        let process = self.process
        let logFile = self.logFile
        try await eventually("profile-ms on port \(port) to be ready") {
            guard process.isRunning else {
                let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
                throw Failed(description: "profile-ms exited: \(log)")
            }
            return (try? await HTTP.send("GET", url + "/ready"))?.status == 200
        }
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func stop() async throws {
        process.terminate()
        let process = self.process
        try await eventually("profile-ms to stop") { !process.isRunning }
        XCTAssertEqual(process.terminationStatus, 0, "profile-ms should stop cleanly on SIGTERM: \(log)")
    }

    /// A port nothing listens on: the one the OS just gave a throwaway server.
    static func freePort() async throws -> Int {
        let application = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await application.test(.live) { client in try XCTUnwrap(client.port) }
    }
}
