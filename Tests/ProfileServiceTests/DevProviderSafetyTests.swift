import XCTest

/// The dev identity provider lets anyone log in as anyone: profile-ms must refuse it on
/// an address other machines can reach, unless explicitly told otherwise.
final class DevProviderSafetyTests: XCTestCase {
    func testTheDevProviderRefusesANonLoopbackAddress() async throws {
        let refused = try await ProfileProcess.runToExit(["--identity-provider", "dev", "--http-host", "0.0.0.0", "--check-config"])
        XCTAssertNotEqual(refused.status, 0, refused.output)
        XCTAssertTrue(refused.output.contains("--allow-insecure-dev-auth"), refused.output)

        let allowed = try await ProfileProcess.runToExit([
            "--identity-provider", "dev", "--http-host", "0.0.0.0", "--allow-insecure-dev-auth", "--check-config",
        ])
        XCTAssertEqual(allowed.status, 0, allowed.output)
        let loopback = try await ProfileProcess.runToExit(["--identity-provider", "dev", "--http-host", "127.0.0.1", "--check-config"])
        XCTAssertEqual(loopback.status, 0, loopback.output)
    }

    func testFirebaseNeedsAProject() async throws {
        let result = try await ProfileProcess.runToExit(["--identity-provider", "firebase", "--check-config"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("--firebase-project-id"), result.output)
    }
}
