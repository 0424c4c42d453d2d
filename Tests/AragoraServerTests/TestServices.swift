import AragoraTestSupport
import Foundation
import XCTest

/// The XCTest side of the rule in AragoraTestSupport's `TestServices`: a skip, or a failure under
/// `ARAGORA_REQUIRE_SERVICES=1` (CI).
extension TestServices {
    static var env: [String: String] { environment }

    /// The values of `names`, or a skip (a failure under `ARAGORA_REQUIRE_SERVICES=1`).
    static func require(_ names: String...) throws -> [String] {
        switch values(names) {
        case .success(let v): return v
        case .failure(let missing): try skipOrFail(missing.description); return []
        }
    }

    /// Skips with `why`, or under `ARAGORA_REQUIRE_SERVICES=1` fails with it.
    static func skipOrFail(_ why: String) throws {
        if required { XCTFail(why); throw CocoaError(.featureUnsupported) }
        throw XCTSkip(why)
    }

    /// The runbook's topology for a group of instances: a fresh database behind PgBouncer (transaction mode) and
    /// TLS Redis with the test CA, under a key prefix of their own.
    static func production() throws -> [String: String] {
        let v = try require("ARAGORA_TEST_PGBOUNCER_URL", "ARAGORA_TEST_POSTGRES_URL", "ARAGORA_TEST_REDIS_TLS_URL", "ARAGORA_TEST_REDIS_CA_FILE")
        let name = databaseName(try freshDatabase(v[1]))
        return ["DATABASE_URL": v[0].replacingOccurrences(of: "/postgres?", with: "/\(name)?"), "REDIS_URL": v[2],
                "ARAGORA_REDIS_CA_FILE": v[3], "ARAGORA_REDIS_PREFIX": "x\(UUID().uuidString):"]
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        while p.isRunning { usleep(20_000) }
        XCTAssertEqual(p.terminationStatus, 0, "\(tool) \(arguments.dropFirst().joined(separator: " "))")
    }
}
