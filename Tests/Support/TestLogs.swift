import Foundation
import Logging

extension TestStack {
    /// For the clients tests create: quiet unless something goes wrong.
    public static let logger: Logger = {
        var logger = Logger(label: "vartalap-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Where service processes started by tests write their output: one folder, so test runs
    /// do not scatter log files over the temporary directory.
    public static func logFile(named prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vartalap-test-logs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(uniqueName(prefix) + ".log")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        return file
    }
}
