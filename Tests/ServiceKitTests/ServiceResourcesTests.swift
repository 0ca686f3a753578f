import Foundation
import Logging
import Prometheus
import ServiceKit
import ServiceLifecycle
import Synchronization
import XCTest

/// `ServiceEnvironment.run` closes what a service kept on every way out, and never under a
/// service that is still running.
final class ServiceResourcesTests: XCTestCase {
    private final class Events: Sendable {
        private let list = Mutex<[String]>([])
        func append(_ event: String) { list.withLock { $0.append(event) } }
        var all: [String] { list.withLock { $0 } }
    }

    private struct Failing: Error {}

    /// Fails after a moment, while `Busy` is still in its work.
    private struct FailingService: Service {
        func run() async throws {
            try await Task.sleep(for: .milliseconds(50))
            throw Failing()
        }
    }

    /// Runs until cancelled, then needs a moment to finish what it was doing.
    private struct Busy: Service {
        let events: Events
        func run() async {
            try? await Task.sleep(for: .seconds(60))
            events.append("busy: cancelled")
            // Work that cancellation does not cut short (a database call under way).
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { continuation.resume() }
            }
            events.append("busy: finished")
        }
    }

    private var environment: ServiceEnvironment {
        ServiceEnvironment(options: CommonOptions(), logger: Logger(label: "resources-test"), registry: PrometheusCollectorRegistry())
    }

    func testAFailedStartClosesWhatWasOpenedSoFarLastFirst() async {
        let events = Events()
        do {
            try await environment.run { resources in
                resources.keep("database", "database") { events.append("closed \($0)") }
                resources.keep("http", "http client") { events.append("closed \($0)") }
                throw Failing()
            }
            XCTFail("the failure was not passed on")
        } catch {
            XCTAssertTrue(error is Failing)
        }
        XCTAssertEqual(events.all, ["closed http", "closed database"])
    }

    func testAFailingServiceClosesTheClientsOnlyAfterEveryServiceReturned() async {
        let events = Events()
        do {
            try await environment.run { resources in
                resources.keep("database", "database") { events.append("closed \($0)") }
                return [Busy(events: events), FailingService()]
            }
            XCTFail("the failure was not passed on")
        } catch {
            XCTAssertTrue(error is Failing, "\(error)")
        }
        XCTAssertEqual(events.all, ["busy: cancelled", "busy: finished", "closed database"])
    }

    func testAClientIsClosedOnceEvenWhenClosingIsAskedTwice() async {
        let events = Events()
        try? await environment.run { resources in
            resources.keep("database", "database") { events.append("closed \($0)") }
            return [FailingService()]
        }
        XCTAssertEqual(events.all, ["closed database"])
    }
}
