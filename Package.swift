// swift-tools-version:6.1
import PackageDescription

// Layers (see docs/architecture.md): aragora -> AragoraServer -> AragoraDebates -> AragoraStore -> AragoraCore;
// AragoraDebates -> AragoraRedis; aragora ask -> AragoraDebates (no HTTP);
// aragora -> AragoraProviders -> AragoraCore; aragora -> AragoraAWS.
let package = Package(
    name: "aragora",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aragora", targets: ["aragora"]),
        .library(name: "AragoraCore", targets: ["AragoraCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.26.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
    ],
    targets: [
        .target(
            name: "AragoraCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AragoraStore",
            dependencies: [
                "AragoraCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // A small Redis client (RESP2 over SwiftNIO, TLS by swift-nio-ssl): no Swift Redis client exists here.
        .target(
            name: "AragoraRedis",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // LLM agents over HTTP: Anthropic, OpenAI-style servers, Gemini, Ollama (no vendor SDK exists for Swift here).
        .target(
            name: "AragoraProviders",
            dependencies: [
                "AragoraCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // AWS SigV4 and Secrets Manager (no AWS SDK for Swift exists here); knows nothing of debates.
        .target(
            name: "AragoraAWS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The debate service without HTTP: store, event bus, runner (queue, leases, resume), start and cancel. Every
        // door (aragora ask, the HTTP API, MCP, the OpenAI-compatible endpoint) uses it.
        .target(
            name: "AragoraDebates",
            dependencies: [
                "AragoraCore", "AragoraStore", "AragoraRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "AragoraServer",
            dependencies: [
                "AragoraCore", "AragoraStore", "AragoraRedis", "AragoraDebates", "AragoraMCP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Web"],
            plugins: ["WebAssetsPlugin"]
        ),
        // `aragora eval`: evaluation sets, answer extraction, the runner, statistics and reports.
        .target(name: "AragoraEval", dependencies: ["AragoraCore"]),
        // The MCP server: tools and resources on the debate service, for stdio (`aragora mcp`) and `/mcp`.
        .target(
            name: "AragoraMCP",
            dependencies: [
                "AragoraCore", "AragoraStore", "AragoraDebates",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The web page's files, embedded into AragoraServer at build time (no bundle to ship beside the binary).
        .executableTarget(name: "EmbedWebAssets", path: "Plugins/EmbedWebAssets"),
        .plugin(name: "WebAssetsPlugin", capability: .buildTool(), dependencies: ["EmbedWebAssets"]),
        .executableTarget(
            name: "aragora",
            dependencies: [
                "AragoraCore", "AragoraStore", "AragoraDebates", "AragoraServer", "AragoraProviders", "AragoraAWS", "AragoraRedis", "AragoraEval", "AragoraMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "aragora-bench",
            dependencies: [
                "AragoraCore", "AragoraStore", "AragoraProviders", "CMallocStats",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/aragora-bench"
        ),
        // glibc's live-heap figure for the memory benchmarks (malloc.h is not visible from Swift).
        .target(name: "CMallocStats", path: "Benchmarks/CMallocStats"),
        // Helpers shared by the test targets (free loopback ports, the built binary).
        .target(name: "AragoraTestSupport", path: "Tests/AragoraTestSupport"),
        .testTarget(name: "AragoraCoreTests", dependencies: ["AragoraCore"]),
        .testTarget(name: "AragoraEvalTests", dependencies: ["AragoraEval", "AragoraCore"]),
        .testTarget(name: "AragoraRedisTests", dependencies: ["AragoraRedis", "AragoraTestSupport"]),
        .testTarget(name: "AragoraAWSTests", dependencies: [
            "AragoraAWS", "AragoraTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "AragoraProvidersTests", dependencies: [
            "AragoraProviders", "AragoraCore", "AragoraTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "AragoraStoreTests", dependencies: [
            "AragoraStore", "AragoraCore", "AragoraTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(
            name: "AragoraServerTests",
            dependencies: [
                "AragoraServer", "AragoraDebates", "AragoraStore", "AragoraCore", "AragoraProviders", "AragoraRedis", "AragoraTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
    ]
)
