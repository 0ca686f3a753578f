import ArgumentParser
import Auth
import Broker
import DocumentStore
import Hummingbird
import HummingbirdCore
import ServiceKit

/// The WebSocket gateway: clients' sockets and REST send on the public port (behind
/// nginx); health, metrics and the internal `/send` for session-ms on the HTTP port.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws-gateway",
        abstract: "Vartalap WebSocket gateway: accepts client messages and pushes deliveries to sockets.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var gateway: GatewayOptions

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common)
        let logger = environment.logger
        let gatewayId = gateway.gatewayId.isEmpty ? common.appName : gateway.gatewayId
        let gatewayInternalURL =
            gateway.gatewayInternalURL.isEmpty ? "http://\(common.httpHost):\(common.httpPort)" : gateway.gatewayInternalURL

        try await environment.run { resources in
            let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger, lingerMilliseconds: 0)
            let store = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let verifier = AccessKeyVerifier(store: store, database: common.mongoDatabase, logger: logger)
            let authenticate = Authentication.byAccessKey(verifier)
            let intake = MessageIntake(
                producer: producer, topics: topics, gatewayId: gatewayId, maxMessageBytes: gateway.maxMessageBytes, logger: logger)
            let registry = ConnectionRegistry()
            let acks = AwaitedAcks()
            let drain = GatewayDrain(acks: acks, registry: registry, logger: logger)
            let events = ConnectionEvents(
                producer: producer, topic: topics.userConnectionStateTopic, gatewayId: gatewayId, gatewayInternalURL: gatewayInternalURL,
                logger: logger)

            // One budget per user, whichever way the user sends.
            let rateLimits = UserRateLimits(rate: gateway.rateLimitPerSecond, burst: gateway.rateLimitBurst)
            // Messages up to 4x the message limit are read and refused with an error frame;
            // larger ones close that socket with 1009.
            let sessions = ClientSessions(
                intake: intake, registry: registry, acks: acks, events: events, rateLimitPerSecond: gateway.rateLimitPerSecond,
                logger: logger)
            let webSocket = WebSocketRoutes(
                authenticate: authenticate,
                settings: WebSocketFrameHandler.Settings(
                    maxMessageBytes: gateway.maxMessageBytes * 4, rateLimits: rateLimits, maxPendingBytes: gateway.maxPendingBytes),
                actions: sessions.actions, drain: drain, logger: logger)
            let publicRouter = Router(context: PublicRequestContext.self)
            RESTSendRoutes(authenticate: authenticate, intake: intake, maxBatchMessages: 100, rateLimits: rateLimits, awaitedAcks: acks)
                .add(to: publicRouter)
            EventStreamRoute(
                authenticate: authenticate, sessions: sessions, drain: drain,
                keepAliveInterval: .seconds(gateway.eventStreamKeepAliveSeconds), maxPendingBytes: gateway.maxPendingBytes,
                logger: logger
            ).add(to: publicRouter)
            let publicApplication = Application(
                router: publicRouter,
                server: HTTPServerBuilder { responder in PublicChannel(responder: responder, webSocket: webSocket) },
                configuration: ApplicationConfiguration(
                    address: .hostname(gateway.publicHost, port: gateway.publicPort), serverName: gatewayId),
                logger: logger)

            let internalRouter = environment.makeRouter()
            InternalSendRoutes(registry: registry, acks: acks, drain: drain, logger: logger).add(to: internalRouter)
            let internalApplication = environment.makeApplication(internalRouter.buildResponder())

            // Shut down in reverse: the drain first, then the sockets close (DISCONNECTED events
            // need the producer, which goes last).
            return [ProducerService(producer, topics: topics.allTopicNames), internalApplication, publicApplication, drain]
        }
    }
}
