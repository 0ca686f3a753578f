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
        .systemLibrary(
            name: "CRdKafka", path: "Libs/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CMongoC", path: "Libs/CMongoC", pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev", "libbson-dev"])]),
        .target(
            name: "Broker",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/Broker"),
        .target(
            name: "DocumentStore",
            dependencies: ["CMongoC", .product(name: "Logging", package: "swift-log")],
            path: "Libs/DocumentStore"),
        .target(
            name: "ChatProtocol",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Libs/ChatProtocol",
            exclude: ["vartalap.proto"]),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Broker",
                "ChatProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libs/ServiceKit"),
        .executableTarget(
            name: "VartalapAdmin",
            dependencies: ["ServiceKit", "Broker", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Helper/VartalapAdmin"),
        .executableTarget(
            name: "SessionService",
            dependencies: [
                "ServiceKit", "Broker", "ChatProtocol", "DocumentStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Services/SessionService"),
        .executableTarget(
            name: "MessageRouter",
            dependencies: [
                "ServiceKit", "Broker", "ChatProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/MessageRouter"),
        .executableTarget(
            name: "Persistence",
            dependencies: [
                "Auth", "ServiceKit", "Broker", "ChatProtocol", "DocumentStore", "PublicAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Persistence"),
        // Helpers shared by the test targets: waiting for conditions, topics, collectors, service processes.
        .target(
            name: "TestSupport",
            dependencies: ["Broker", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Tests/Support"),
        .testTarget(
            name: "MessageRouterTests",
            dependencies: [
                "MessageRouter", "TestSupport", "ServiceKit", "Broker", "ChatProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/MessageRouterTests"),
        .testTarget(
            name: "PersistenceTests",
            dependencies: [
                "Persistence", "TestSupport", "Auth", "ServiceKit", "Broker", "ChatProtocol", "DocumentStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PersistenceTests"),
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
        // The benchmark tools (Docs/BENCHMARKS.md): message load, offline path, connection capacity,
        // and the broker and database floors.
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                "Broker", "DocumentStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Helper/LoadGenerator"),
        .executableTarget(
            name: "PushNotification",
            dependencies: [
                "Broker", "ChatProtocol", "DocumentStore", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/PushNotification"),
        .testTarget(
            name: "PushNotificationTests",
            dependencies: [
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
        // Groups, their membership rules and events: shared by group-ms and group-router.
        .target(
            name: "Groups",
            dependencies: ["ChatProtocol", "DocumentStore"],
            path: "Libs/Groups"),
        .executableTarget(
            name: "GroupService",
            dependencies: [
                "Auth", "Broker", "ChatProtocol", "DocumentStore", "Groups", "PublicAPI", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/GroupService"),
        .executableTarget(
            name: "GroupRouter",
            dependencies: [
                "Broker", "ChatProtocol", "DocumentStore", "Groups", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/GroupRouter"),
        .testTarget(
            name: "GroupTests",
            dependencies: ["Groups", "ChatProtocol", "DocumentStore", "TestSupport"],
            path: "Tests/GroupTests"),
        // The public REST API's JSON conventions: error shape, body decoding, error middleware.
        .target(
            name: "PublicAPI",
            dependencies: ["Broker", "DocumentStore", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Libs/PublicAPI"),
        .executableTarget(
            name: "ProfileService",
            dependencies: [
                "Auth", "Broker", "ChatProtocol", "DocumentStore", "PublicAPI", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/ProfileService"),
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
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "ServiceKit", "Auth", "Broker", "ChatProtocol", "DocumentStore", "PublicAPI",
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
        .testTarget(name: "SessionServiceTests", dependencies: ["SessionService", "ChatProtocol", "DocumentStore"], path: "Tests/SessionServiceTests"),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Auth", "Broker", "ChatProtocol", "DocumentStore", "SessionService", "ServiceKit",
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
            dependencies: [
                "Broker", "ChatProtocol", "ServiceKit", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests"),
        .testTarget(name: "BrokerTests", dependencies: ["Broker", "TestSupport"], path: "Tests/BrokerTests"),
        .testTarget(
            name: "DocumentStoreTests", dependencies: ["DocumentStore"], path: "Tests/DocumentStoreTests"),
        .testTarget(
            name: "ChatProtocolTests", dependencies: ["ChatProtocol", "TestSupport"], path: "Tests/ChatProtocolTests"),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/ServiceKitTests"),
    ]
)
