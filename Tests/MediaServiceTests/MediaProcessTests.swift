import AsyncHTTPClient
import Foundation
import Synchronization
import TestSupport
import Testing

/// The media-ms binary as the stack runs it, against the test stack's database and store.
struct MediaProcessTests {
    static func storeArguments(bucket: String) throws -> [String] {
        [
            "--s3-endpoint", try TestStack.s3Endpoint(), "--s3-access-key", try TestStack.s3AccessKey(),
            "--s3-secret-key", try TestStack.s3SecretKey(), "--s3-bucket", bucket,
            "--mongo-url", try TestStack.mongoURL(), "--mongo-database", TestStack.uniqueName("media-process"),
            "--app-name", "media-ms",
        ]
    }

    /// It creates a bucket of its own at start, is ready once it has, serves its metrics, and
    /// stops cleanly on SIGTERM.
    @Test func itStartsCreatesItsBucketAndStops() async throws {
        let bucket = TestStack.uniqueName("media-process")
        let service = try await ServiceProcess.start("media-ms", arguments: try Self.storeArguments(bucket: bucket))
        defer { service.kill() }
        #expect(try await service.get("/alive").status == 200)
        let metrics = try await service.get("/metrics")
        #expect(metrics.body.contains("media_unconfirmed_uploads_deleted_total"))
        let unauthenticated = try await service.get("/assets/upload/presigned_url?ext=jpg&category=chat")
        #expect(unauthenticated.status == 401)
        #expect(try await service.stop() == 0)
        #expect(service.output.contains(#""s3SecretKey":"(hidden)""#), "the start-up line hides the secret")
    }

    /// `--check-config` prints the configuration with the secret hidden, and exits 0.
    @Test func checkConfigHidesTheSecret() async throws {
        let secret = "not-to-be-printed-\(UUID().uuidString)"
        let arguments = [
            "--s3-endpoint", "http://127.0.0.1:1", "--s3-access-key", "K", "--s3-secret-key", secret, "--check-config",
        ]
        let (status, output) = try await Self.runToExit(arguments)
        #expect(status == 0)
        #expect(output.contains("configuration ok"))
        #expect(output.contains("\"s3SecretKey\" : \"(hidden)\""))
        #expect(!output.contains(secret))
        let (refused, message) = try await Self.runToExit(["--check-config"])
        #expect(refused != 0, "media-ms cannot run without a store")
        #expect(message.contains("--s3-endpoint"))
    }

    private static func runToExit(_ arguments: [String]) async throws -> (Int32, String) {
        let log = try TestStack.logFile(named: "media-ms-check")
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        let exited = Mutex(false)
        process.terminationHandler = { _ in exited.withLock { $0 = true } }
        try process.run()
        try await eventually("media-ms to exit") { exited.withLock { $0 } }
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    private struct NotBuilt: Error, CustomStringConvertible { let description: String }

    private static func binary() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("media-ms"),
            root.appendingPathComponent(".build/debug/media-ms"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(description: "media-ms is not built (looked in \(candidates.map(\.path)))")
        }
        return found
    }
}
