import Foundation
import XCTest

/// Checks that operators' files agree with the code: every environment variable a flag
/// falls back to is documented in `.env.tmpl`, and `--check-config` works on a real binary.
final class ConfigurationFilesTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func sourceFiles() throws -> [URL] {
        var files: [URL] = []
        for folder in ["Libs", "Services", "Helper"] {
            let url = root.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in enumerator where file.pathExtension == "swift" { files.append(file) }
        }
        return files
    }

    func testEveryEnvironmentVariableIsDocumentedInTheTemplate() throws {
        let template = try String(contentsOf: root.appendingPathComponent(".env.tmpl"), encoding: .utf8)
        let documented = Set(template.split(separator: "\n").compactMap { line -> String? in
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return String(line[..<equals])
        })
        let pattern = try NSRegularExpression(pattern: #"EnvironmentDefault\.\w+\("([A-Z0-9_]+)""#)
        var used = Set<String>()
        for file in try sourceFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                used.insert((text as NSString).substring(with: match.range(at: 1)))
            }
        }
        XCTAssertGreaterThan(used.count, 20)
        XCTAssertEqual(used.subtracting(documented), [], "variables missing from .env.tmpl")
    }

    private func runAdmin(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let binary = root.appendingPathComponent(".build/debug/vartalap-admin")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary.path), "build vartalap-admin first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func testCheckConfigAcceptsAValidCommandLineAndHidesSecrets() throws {
        let result = try runAdmin([
            "create-topics", "--check-config", "--kafka-brokers", "kafka:9092",
            "--mongo-url", "mongodb://root:topsecret@mongo:27017",
        ])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("configuration ok"))
        XCTAssertTrue(result.output.contains("kafka:9092"))
        XCTAssertFalse(result.output.contains("topsecret"))
    }

    func testCheckConfigRefusesAnInvalidCommandLine() throws {
        let result = try runAdmin(["create-topics", "--check-config", "--topic-partitions", "0"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--topic-partitions"), result.output)
    }
}
