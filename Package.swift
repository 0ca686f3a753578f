// swift-tools-version: 6.0
import PackageDescription

// One shared library (split into small modules under Libs/) and one thin executable per
// service under Services/. C code is confined to CRdKafka/CMongoC and the two wrapper
// modules that use them (Broker, DocumentStore).
let package = Package(
    name: "Vartalap",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Broker", targets: ["Broker"]),
        .library(name: "DocumentStore", targets: ["DocumentStore"]),
        .library(name: "ChatProtocol", targets: ["ChatProtocol"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
        .library(name: "Auth", targets: ["Auth"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .executable(name: "vartalap-admin", targets: ["VartalapAdmin"]),
        .executable(name: "profile-ms", targets: ["ProfileService"]),
        .executable(name: "session-ms", targets: ["SessionService"]),
        .executable(name: "ws-gateway", targets: ["Gateway"]),
        .executable(name: "message-router", targets: ["MessageRouter"]),
        .executable(name: "persistence", targets: ["Persistence"]),
        .executable(name: "group-ms", targets: ["GroupService"]),
        .executable(name: "group-router", targets: ["GroupRouter"]),
        .executable(name: "vartalap-load", targets: ["LoadGenerator"]),
        .executable(name: "push-notification", targets: ["PushNotification"]),
        .executable(name: "media-ms", targets: ["MediaService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // MARK: C modules: the only code that sees librdkafka and libmongoc, used only by
        // the two wrapper libraries (Broker, DocumentStore).
        .systemLibrary(
            name: "CRdKafka", path: "Libs/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CMongoC", path: "Libs/CMongoC", pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev", "libbson-dev"])]),
        // zlib, seen only by Compression.
        .systemLibrary(name: "CZlib", path: "Libs/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: Libraries
        .target(
            name: "Broker",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/Broker",
            exclude: ["LocalBrokerAccommodations/README.md"]),
        .target(
            name: "DocumentStore",
            dependencies: ["CMongoC", .product(name: "Logging", package: "swift-log")],
            path: "Libs/DocumentStore"),
        .target(
            name: "ChatProtocol",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Libs/ChatProtocol",
            exclude: ["vartalap.proto"]),
        // What services agree on between them: topics, record headers, track ids, the
        // gateway's internal delivery API.
        .target(
            name: "Contracts",
            dependencies: ["Broker", .product(name: "Logging", package: "swift-log")],
            path: "Libs/Contracts"),
        // Process set-up every executable shares: options, logs, metrics, the service group.
        .target(
            name: "ServiceKit",
            dependencies: [
                "Broker",
                "ChatProtocol",
                "Contracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/ServiceKit"),
        // consume -> handle -> produce -> resolve, for every consumer service.
        .target(
            name: "Pipeline",
            dependencies: [
                "Broker", "Contracts", "ServiceKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/Pipeline"),
        .target(
            name: "Auth",
            dependencies: [
                "DocumentStore", "PublicAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Libs/Auth"),
        // The public REST API's JSON conventions: error shape, body decoding, error middleware.
        .target(
            name: "PublicAPI",
            dependencies: ["Broker", "DocumentStore", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Libs/PublicAPI"),
        // Groups, their membership rules and events: shared by group-ms and group-router.
        .target(
            name: "Groups",
            dependencies: ["ChatProtocol", "DocumentStore"],
            path: "Libs/Groups"),
        // An S3 client of our own (SigV4 signing, presigned URLs) and its flags, for every
        // service that keeps objects in an S3-compatible store.
        .target(
            name: "ObjectStore",
            dependencies: [
                "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Libs/ObjectStore"),
        // Pages (a support address answered by its agents): the model, its rules and store.
        .target(name: "Pages", dependencies: ["DocumentStore", "ChatProtocol"], path: "Libs/Pages"),
        // Search terms: how message text and queries are normalised (accents, case, prefixes).
        .target(name: "Search", path: "Libs/Search"),
        // gzip over the system's zlib.
        .target(name: "Compression", dependencies: ["CZlib"], path: "Libs/Compression"),
        // History older than a cutoff moved to chunks in the object store, and read back
        // through: used by persistence and vartalap-admin.
        .target(
            name: "HistoryArchive",
            dependencies: [
                "Compression", "DocumentStore", "ObjectStore", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/HistoryArchive"),

        // MARK: Services, one executable each
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "Contracts", "ServiceKit", "Auth", "Broker", "ChatProtocol", "DocumentStore", "PublicAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            path: "Services/Gateway"),
        .executableTarget(
            name: "SessionService",
            dependencies: [
                "Contracts", "Pipeline", "ServiceKit", "Broker", "ChatProtocol", "DocumentStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Services/SessionService"),
        .executableTarget(
            name: "MessageRouter",
            dependencies: [
                "Contracts", "Pipeline", "ServiceKit", "Broker", "ChatProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/MessageRouter"),
        .executableTarget(
            name: "GroupRouter",
            dependencies: [
                "Contracts", "Pipeline", "Broker", "ChatProtocol", "DocumentStore", "Groups", "Pages", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/GroupRouter"),
        .executableTarget(
            name: "Persistence",
            dependencies: [
                "Contracts", "Pipeline", "Auth", "Groups", "Pages", "ServiceKit", "Broker", "ChatProtocol", "DocumentStore",
                "PublicAPI", "HistoryArchive", "ObjectStore", "Search",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Persistence"),
        .executableTarget(
            name: "PushNotification",
            dependencies: [
                "Contracts", "Pipeline", "Broker", "ChatProtocol", "DocumentStore", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/PushNotification"),
        .executableTarget(
            name: "ProfileService",
            dependencies: [
                "Contracts", "Auth", "Broker", "ChatProtocol", "DocumentStore", "PublicAPI", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/ProfileService"),
        .executableTarget(
            name: "GroupService",
            dependencies: [
                "Contracts", "Auth", "Broker", "ChatProtocol", "DocumentStore", "Groups", "Pages", "PublicAPI", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/GroupService"),
        .executableTarget(
            name: "MediaService",
            dependencies: [
                "Auth", "DocumentStore", "ObjectStore", "PublicAPI", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/MediaService"),

        // MARK: Helpers: the admin CLI, and the benchmark tools of Docs/BENCHMARKS.md (message
        // load, offline path, connection capacity, and the broker and database floors).
        .executableTarget(
            name: "VartalapAdmin",
            dependencies: [
                "ServiceKit", "Broker", "DocumentStore", "ObjectStore", "HistoryArchive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Helper/VartalapAdmin"),
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                "Broker", "ChatProtocol", "DocumentStore", "HistoryArchive", "ObjectStore", "Search",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Helper/LoadGenerator"),

        // MARK: Tests
        // Helpers shared by the test targets: the test stack (its variables, unique names, the
        // test logger, logging in), waiting for conditions, topics, collectors, service processes.
        .target(
            name: "TestSupport",
            dependencies: [
                "Broker",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support"),
        .testTarget(
            name: "BrokerTests",
            dependencies: [
                "Broker", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/BrokerTests"),
        .testTarget(
            name: "DocumentStoreTests", dependencies: ["DocumentStore", "TestSupport"], path: "Tests/DocumentStoreTests"),
        .testTarget(
            name: "ChatProtocolTests", dependencies: ["ChatProtocol", "TestSupport"], path: "Tests/ChatProtocolTests"),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "Contracts", "ServiceKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/ServiceKitTests"),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline"], path: "Tests/PipelineTests"),
        .testTarget(name: "SearchTests", dependencies: ["Search"], path: "Tests/SearchTests"),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "DocumentStore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/AuthTests"),
        .testTarget(
            name: "HistoryArchiveTests",
            dependencies: ["HistoryArchive", "Compression", "DocumentStore", "ObjectStore", "TestSupport"],
            path: "Tests/HistoryArchiveTests"),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: [
                "ObjectStore", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ObjectStoreTests"),
        .testTarget(
            name: "MediaServiceTests",
            dependencies: [
                "MediaService", "Auth", "DocumentStore", "ObjectStore", "PublicAPI", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/MediaServiceTests"),
        .testTarget(
            name: "GroupTests",
            dependencies: ["Groups", "Pages", "ChatProtocol", "DocumentStore", "TestSupport"],
            path: "Tests/GroupTests"),
        .testTarget(
            name: "MessageRouterTests",
            dependencies: ["Contracts", "Pipeline", 
                "MessageRouter", "TestSupport", "ServiceKit", "Broker", "ChatProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/MessageRouterTests"),
        .testTarget(
            name: "PersistenceTests",
            dependencies: ["Contracts", "Pipeline", 
                "Persistence", "TestSupport", "Auth", "ServiceKit", "Broker", "ChatProtocol", "DocumentStore",
                "HistoryArchive", "ObjectStore", "Search",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PersistenceTests"),
        .testTarget(
            name: "PushNotificationTests",
            dependencies: ["Contracts", 
                "PushNotification", "TestSupport", "Broker", "ChatProtocol", "DocumentStore", "ServiceKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/PushNotificationTests"),
        .testTarget(
            name: "ProfileServiceTests",
            dependencies: [
                "Auth", "Broker", "ChatProtocol", "DocumentStore", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Tests/ProfileServiceTests"),
        .testTarget(
            name: "SessionServiceTests",
            dependencies: ["SessionService", "Broker", "ChatProtocol", "Contracts", "DocumentStore", "Pipeline", "ServiceKit", "TestSupport"],
            path: "Tests/SessionServiceTests"),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Contracts", 
                "Gateway", "Auth", "Broker", "DocumentStore", "ChatProtocol", "SessionService", "ServiceKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/GatewayTests"),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Contracts",
                "Broker", "ChatProtocol", "DocumentStore", "ServiceKit", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests"),
    ]
)
