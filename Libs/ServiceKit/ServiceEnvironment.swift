import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Process-wide set-up shared by every executable: JSON logs, the Prometheus registry,
/// `--check-config`, and a service group with graceful shutdown on SIGTERM/SIGINT that
/// closes the process's clients on every way out.
public struct ServiceEnvironment: Sendable {
    public let options: CommonOptions
    public let logger: Logger
    public let registry: PrometheusCollectorRegistry
    public let readiness: Readiness

    public init(options: CommonOptions, logger: Logger, registry: PrometheusCollectorRegistry, readiness: Readiness = Readiness()) {
        self.options = options
        self.logger = logger
        self.registry = registry
        self.readiness = readiness
    }

    /// Call once, first thing in `run()`. With `--check-config` it prints the validated
    /// configuration (secrets hidden) and exits 0; flag errors already exited non-zero.
    public static func bootstrap(_ options: CommonOptions, extraSummary: [String: String] = [:]) -> ServiceEnvironment {
        if options.checkConfig {
            let summary = options.redactedSummary.merging(extraSummary) { _, new in new }
            let data = (try? JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])) ?? Data()
            FileHandle.standardOutput.write(data + Data("\nconfiguration ok\n".utf8))
            exit(0)
        }
        // Before anything makes the singleton group, which takes its size from here once.
        if options.eventLoopThreads > 0 { NIOSingletons.groupLoopCountSuggestion = options.eventLoopThreads }
        let tasksOnEventLoops = options.tasksOnEventLoops && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let level = options.level
        let service = options.appName
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service, level: level)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: service)
        logger.logLevel = level
        logger.info("starting", metadata: options.redactedSummary.mapValues { .string($0) }.merging(extraSummary.mapValues { .string($0) }) { _, new in new })
        if options.tasksOnEventLoops, !tasksOnEventLoops {
            logger.warning("Swift tasks stay on their own thread pool: the event loops could not take it over")
        }
        return ServiceEnvironment(options: options, logger: logger, registry: registry)
    }

    /// A router that already serves `/alive`, `/ready` and `/metrics`.
    public func makeRouter<Context: RequestContext>(context: Context.Type = BasicRequestContext.self) -> Router<Context> {
        let router = Router(context: Context.self)
        OperationalRoutes(readiness: readiness, registry: registry).add(to: router)
        return router
    }

    public func makeApplication<Responder: HTTPResponder>(
        _ responder: Responder
    ) -> Application<Responder> where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(options.httpHost, port: options.httpPort), serverName: options.appName),
            logger: logger)
    }

    /// Builds the services with `build`, runs them until SIGTERM/SIGINT, then shuts them
    /// down in reverse order (so consumers finish in-flight work and commit before the
    /// HTTP port closes). Every client kept in `resources` is closed on every way out:
    /// after a normal stop, when `build` throws, and when a service fails.
    public func run(_ build: (_ resources: ServiceResources) async throws -> [any Service]) async throws {
        let resources = ServiceResources()
        do {
            let services = try await build(resources)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: ([resources] + services).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        } catch {
            await resources.closeAll()
            logger.critical("stopped", metadata: ["reason": "\(error)"])
            throw error
        }
        await resources.closeAll()
    }
}
