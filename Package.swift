// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "lessor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lessor", targets: ["lessor"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]),

        .target(name: "LessorCore", swiftSettings: strict),
        .target(
            name: "LessorCrypto",
            dependencies: ["LessorCore", "COpenSSL", "CSodium"],
            swiftSettings: strict),
        .target(
            name: "CurlClient",
            dependencies: ["LessorCore", "CCurl"],
            swiftSettings: strict),
        .target(
            name: "LessorIdentity",
            dependencies: [
                "LessorCore", "LessorCrypto", "CurlClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorAudit",
            dependencies: [
                "LessorCore", "LessorCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorConfig",
            dependencies: [
                "LessorCore", "LessorIdentity", "LessorCrypto", "LessorEngines",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorSQLite",
            dependencies: ["LessorCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "LessorPostgres",
            dependencies: [
                "LessorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorEngines",
            dependencies: [
                "LessorCore", "LessorCrypto", "CurlClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorBroker",
            dependencies: [
                "LessorCore", "LessorCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorHTTP",
            dependencies: [
                "LessorCore", "LessorIdentity", "LessorBroker", "LessorEngines",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "lessor",
            dependencies: [
                "LessorCore", "LessorConfig", "LessorIdentity", "LessorHTTP", "LessorAudit", "LessorCrypto",
                "LessorBroker", "LessorEngines", "LessorSQLite", "LessorPostgres", "CurlClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .target(
            name: "LessorTestSupport",
            dependencies: [
                "LessorCore", "LessorCrypto", "LessorIdentity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "lessor-bench",
            dependencies: [
                "LessorCore", "LessorCrypto", "LessorIdentity", "LessorAudit", "LessorBroker", "LessorEngines",
                "LessorSQLite", "LessorPostgres", "LessorConfig",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/Sources/lessor-bench",
            swiftSettings: strict),

        .testTarget(name: "LessorCoreTests", dependencies: ["LessorCore"], swiftSettings: strict),
        .testTarget(
            name: "LessorCryptoTests", dependencies: ["LessorCrypto", "LessorCore", "LessorTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CurlClientTests",
            dependencies: ["CurlClient", "LessorCore", "LessorTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "LessorIdentityTests",
            dependencies: [
                "LessorIdentity", "LessorCore", "LessorCrypto", "LessorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LessorAuditTests",
            dependencies: ["LessorAudit", "LessorCore", "LessorCrypto", "LessorTestSupport", "lessor"],
            swiftSettings: strict),
        .testTarget(
            name: "LessorConfigTests",
            dependencies: ["LessorConfig", "LessorCore", "LessorIdentity", "LessorEngines"],
            swiftSettings: strict),
        .testTarget(
            name: "LessorHTTPTests",
            dependencies: [
                "LessorHTTP", "LessorCore", "LessorCrypto", "LessorIdentity", "LessorTestSupport", "CurlClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LessorStoreTests",
            dependencies: [
                "LessorSQLite", "LessorPostgres", "LessorCore", "LessorTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LessorEnginesTests",
            dependencies: [
                "LessorEngines", "LessorCore", "LessorCrypto", "LessorTestSupport", "LessorIdentity", "LessorBroker",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LessorBrokerTests",
            dependencies: [
                "LessorBroker", "LessorCore", "LessorCrypto", "LessorEngines", "LessorSQLite", "LessorAudit",
                "LessorConfig", "LessorTestSupport", "CurlClient", "lessor",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
    ]
)
