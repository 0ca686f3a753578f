import ArgumentParser
import AsyncHTTPClient
import Auth
import Broker
import DocumentStore
import Hummingbird
import PublicAPI
import ServiceKit

/// profile-ms: logins (identity token in, access key out), the access-key check nginx asks
/// before every other public route, profiles and contact book sync.
@main
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-ms",
        abstract: "Vartalap profile service: login, access keys, /auth for nginx, profiles and contact sync.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var topics: TopicOptions
    @OptionGroup var profile: ProfileOptions

    func validate() throws {
        if profile.provider == .dev, !DevIdentityProvider.isLoopback(common.httpHost), !profile.allowInsecureDevAuth {
            throw ValidationError(
                "--identity-provider dev lets anyone log in as anyone; it only binds to a loopback --http-host unless --allow-insecure-dev-auth is given")
        }
    }

    func run() async throws {
        let environment = ServiceEnvironment.bootstrap(common, extraSummary: profile.summary)
        let logger = environment.logger
        if profile.provider == .dev {
            logger.critical(
                "INSECURE: the dev identity provider accepts any token for any username; never use it where real users connect",
                metadata: ["httpHost": .string(common.httpHost)])
        }
        try await environment.run { resources in
            let store = resources.keep(try DocumentStore(uri: common.mongoUrl), "database") { await $0.close() }
            let keys = AccessKeyStore(store: store, database: common.mongoDatabase)
            try await keys.createIndexes()
            let profiles = ProfileStore(collection: store.collection(ProfileStore.collectionName, in: common.mongoDatabase))
            let verifier = AccessKeyVerifier(store: store, database: common.mongoDatabase, logger: logger)
            let producer = try BrokerProducer(configuration: common.brokerConfiguration, logger: logger, lingerMilliseconds: 0)
            // Fetches the identity provider's keys. An unreachable endpoint should fail a login
            // within seconds (503), not after the client's default 10 s of connection retries.
            var httpConfiguration = HTTPClient.Configuration()
            httpConfiguration.timeout.connect = .seconds(3)
            let http = resources.keep(
                HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration), "identity provider client"
            ) { try await $0.shutdown() }

            let router = environment.makeRouter(context: AuthenticatedContext.self)
            router.add(middleware: JSONErrorMiddleware())
            LoginRoute(
                identity: profile.makeIdentityProvider(http: http, logger: logger), profiles: profiles, keys: keys, keyLifetime: .seconds(profile.accessKeyTtlDays * 86_400),
                producer: producer, newLoginTopic: topics.newLoginTopic
            ).add(to: router)
            AuthRoute(verifier: verifier).add(to: router)
            ProfileRoutes(profiles: profiles, keys: keys, verifier: verifier, maxContacts: profile.maxContacts).add(to: router)
            let application = environment.makeApplication(router.buildResponder())

            return [ProducerService(producer, topics: topics.allTopicNames), application]
        }
    }
}
