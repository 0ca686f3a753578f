import AsyncHTTPClient
import Foundation
import Synchronization

/// A service executable run as its own process, as the stack runs it, on a free HTTP port
/// with its output in a log file.
public final class ServiceProcess: Sendable {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public let port: Int
    public let logFile: URL
    private final class Exit: Sendable {
        let status = Mutex<Int32?>(nil)
    }

    private let process: Process
    private let termination: Exit

    /// Starts `.build/<config>/<name>` (the build these tests belong to) with `arguments`
    /// plus the HTTP port, and waits until its `/ready` answers 200.
    public static func start(_ name: String, arguments: [String], readyTimeout: Duration = .seconds(30)) async throws -> ServiceProcess {
        let service = try ServiceProcess(name: name, arguments: arguments)
        try await eventually(timeout: readyTimeout, "\(name) to be ready") {
            if let status = service.termination.status.withLock({ $0 }) {
                throw Failed(description: "\(name) exited with \(status) before it was ready:\n\(service.output)")
            }
            return (try? await service.get("/ready").status) == 200
        }
        return service
    }

    private init(name: String, arguments: [String]) throws {
        self.name = name
        port = try freePort()
        logFile = try TestStack.logFile(named: name)
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = try Self.executable(name)
        process.arguments = arguments + ["--http-host", "127.0.0.1", "--http-port", "\(port)"]
        process.standardOutput = log
        process.standardError = log
        let termination = Exit()
        process.terminationHandler = { finished in
            termination.status.withLock { $0 = finished.terminationStatus }
        }
        self.process = process
        self.termination = termination
        try process.run()
    }

    /// Everything the service logged so far.
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool { termination.status.withLock { $0 } == nil }
    /// The exit status once the process ended by itself or was stopped.
    public var exitStatus: Int32? { termination.status.withLock { $0 } }

    /// GET on the service's HTTP port.
    public func get(_ path: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Sends SIGTERM and returns the exit status once the process is gone.
    public func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        if isRunning { process.terminate() }
        try await eventually(timeout: timeout, "\(name) to exit") { !self.isRunning }
        return termination.status.withLock { $0 } ?? -1
    }

    /// For teardown: makes sure nothing is left running, whatever the test did.
    public func kill() {
        if isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// The executable from the same build as the running tests, else from `.build/debug`.
    private static func executable(_ name: String) throws -> URL {
        let testBuild = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [testBuild.appendingPathComponent(name), root.appendingPathComponent(".build/debug/\(name)")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failed(description: "no \(name) executable in \(candidates.map(\.path)): build it with `swift build --product \(name)`")
        }
        return found
    }
}
