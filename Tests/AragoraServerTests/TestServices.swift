import Foundation
import XCTest

/// The services `scripts/test-services.sh` starts (PostgreSQL, PgBouncer, Redis), as the tests reach them.
/// Without them a test is skipped, unless `ARAGORA_REQUIRE_SERVICES=1` (CI), where that is a failure.
enum TestServices {
    static let env = ProcessInfo.processInfo.environment

    /// The values of `names`, or a skip (a failure under `ARAGORA_REQUIRE_SERVICES=1`).
    static func require(_ names: String...) throws -> [String] {
        let values = names.compactMap { env[$0] }
        guard values.count == names.count else {
            let missing = names.filter { env[$0] == nil }.joined(separator: ", ")
            if env["ARAGORA_REQUIRE_SERVICES"] == "1" { XCTFail("\(missing) not set"); throw CocoaError(.featureUnsupported) }
            throw XCTSkip("\(missing) not set: run eval \"$(scripts/test-services.sh)\"")
        }
        return values
    }

    /// Creates an empty database on the cluster `adminURL` points at; returns `adminURL` with its name.
    static func freshDatabase(_ adminURL: String) throws -> String {
        let name = "aragora_x_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try run("/usr/bin/psql", [adminURL.replacingOccurrences(of: "?sslmode=disable", with: ""), "-qc", "CREATE DATABASE \(name)"])
        return adminURL.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }

    /// The runbook's topology for a group of instances: a fresh database behind PgBouncer (transaction mode) and
    /// TLS Redis with the test CA, under a key prefix of their own.
    static func production() throws -> [String: String] {
        let v = try require("ARAGORA_TEST_PGBOUNCER_URL", "ARAGORA_TEST_POSTGRES_URL", "ARAGORA_TEST_REDIS_TLS_URL", "ARAGORA_TEST_REDIS_CA_FILE")
        let database = try freshDatabase(v[1])
        let name = String(database.split(separator: "/").last!.prefix { $0 != "?" })
        return ["DATABASE_URL": v[0].replacingOccurrences(of: "/postgres?", with: "/\(name)?"), "REDIS_URL": v[2],
                "ARAGORA_REDIS_CA_FILE": v[3], "ARAGORA_REDIS_PREFIX": "x\(UUID().uuidString):"]
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Not waitUntilExit: from an async test it can spin on a run loop that never sees the exit.
        while p.isRunning { usleep(20_000) }
        XCTAssertEqual(p.terminationStatus, 0, "\(tool) \(arguments.dropFirst().joined(separator: " "))")
    }
}
