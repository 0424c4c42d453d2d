import Foundation

/// The services `scripts/test-services.sh` starts, as every test target reaches them, and the one rule for when one
/// is missing: skipped, loudly, on a developer's machine; a failure under `ARAGORA_REQUIRE_SERVICES=1` (CI), which
/// never skips. XCTest cases apply it with `require` (AragoraServerTests), Swift Testing ones with `.enabled(if:)`.
public enum TestServices {
    public static let environment = ProcessInfo.processInfo.environment

    /// CI: a missing service fails the tests that need it.
    public static var required: Bool { environment["ARAGORA_REQUIRE_SERVICES"] == "1" }

    /// Whether tests needing `names` run: when all are set, and always under `required` (then they fail on the
    /// missing one instead of being skipped).
    public static func available(_ names: String...) -> Bool { names.allSatisfy { environment[$0] != nil } || required }

    /// The values of `names`, or what is missing and how to start it.
    public static func values(_ names: [String]) -> Result<[String], Missing> {
        let missing = names.filter { environment[$0] == nil }
        guard missing.isEmpty else {
            return .failure(Missing(description: "\(missing.joined(separator: ", ")) not set: run eval \"$(scripts/test-services.sh)\""))
        }
        return .success(names.map { environment[$0]! })
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Creates an empty database on the PostgreSQL cluster `adminURL` points at (directly, not through the pooler,
    /// whose `*` entry then reaches it under the same name); returns `adminURL` with its name.
    public static func freshDatabase(_ adminURL: String) throws -> String {
        let name = "aragora_x_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = [adminURL.replacingOccurrences(of: "?sslmode=disable", with: ""), "-qc", "CREATE DATABASE \(name)"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Not waitUntilExit: from an async test it can spin on a run loop that never sees the exit.
        while p.isRunning { usleep(20_000) }
        guard p.terminationStatus == 0 else { throw Missing(description: "psql could not create \(name) (exit \(p.terminationStatus))") }
        return adminURL.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }

    /// The database name in a URL made by `freshDatabase`.
    public static func databaseName(_ url: String) -> String {
        String(url.split(separator: "/").last!.prefix { $0 != "?" })
    }
}
