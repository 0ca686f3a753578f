import Contracts
import Foundation
import Logging
import ServiceKit
import Synchronization
import XCTest

final class JSONLogHandlerTests: XCTestCase {
    private final class Lines: Sendable {
        let captured = Mutex<[Data]>([])
    }

    func testEachLineIsOneJSONObjectCarryingTheTrackId() throws {
        let lines = Lines()
        let handler = JSONLogHandler(label: "test", service: "session-ms", level: .info) { data in
            lines.captured.withLock { $0.append(data) }
        }
        let logger = Logger(label: "test") { _ in handler }.tracking("track-42")
        logger.debug("below the level")
        logger.info("delivered", metadata: ["recipient": "alice"])

        let captured = lines.captured.withLock { $0 }
        XCTAssertEqual(captured.count, 1)
        let line = try XCTUnwrap(captured.first)
        XCTAssertEqual(line.last, 0x0A)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: line) as? [String: Any])
        XCTAssertEqual(object["message"] as? String, "delivered")
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertEqual(object["service"] as? String, "session-ms")
        XCTAssertEqual(object["trackId"] as? String, "track-42")
        XCTAssertEqual(object["recipient"] as? String, "alice")
        XCTAssertNotNil(object["time"] as? String)
    }
}
