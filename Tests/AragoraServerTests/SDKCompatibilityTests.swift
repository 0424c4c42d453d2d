import Foundation
import XCTest

/// Runs the official Python client (`aragora-sdk`, pinned) against a real `aragora serve` process with auth
/// on: its core calls must work unchanged. The client lives in `.build/sdk-venv`, installed by
/// `scripts/install-sdk.sh` (which `.ci/run` calls); the test itself never touches the network. Without the
/// client it is skipped, loudly, unless `ARAGORA_REQUIRE_SDK=1` (CI), where that is a failure.
final class SDKCompatibilityTests: XCTestCase {
    static let sdkVersion = "2.11.0"

    func packageRoot() -> URL { ServerProcess.packageRoot() }

    @discardableResult
    func run(_ path: String, _ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { _, b in b }
        p.environment = environment
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The virtualenv's python when it holds the pinned SDK.
    func sdkPython() throws -> String {
        let python = packageRoot().appendingPathComponent(".build/sdk-venv/bin/python").path
        let check = FileManager.default.isExecutableFile(atPath: python)
            ? try run(python, ["-c", "import aragora_sdk, importlib.metadata as m; print(m.version('aragora-sdk'))"]) : (1, "")
        if check.0 == 0 && check.1.contains(Self.sdkVersion) { return python }
        let why = "aragora-sdk \(Self.sdkVersion) is not installed in .build/sdk-venv: run scripts/install-sdk.sh (needs PyPI)"
        if ProcessInfo.processInfo.environment["ARAGORA_REQUIRE_SDK"] == "1" {
            XCTFail(why)
            throw CocoaError(.featureUnsupported)
        }
        throw XCTSkip("skipped: \(why)")
    }

    func testOfficialPythonClientCoreCalls() async throws {
        let python = try sdkPython()
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-sdk-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, port) = try ServerProcess.start(bin, dataDir: dir, extra: ["ARAGORA_API_TOKEN": "sdk-secret"])
        defer { server.terminate(); server.waitUntilExit() }
        let (_, token) = try run(bin.path, ["token", "--loop-id", "admin", "--ttl", "600"], env: ["ARAGORA_API_TOKEN": "sdk-secret"])
        let script = packageRoot().appendingPathComponent("scripts/sdk_smoke.py").path
        let (status, output) = try run(python, [script, "http://127.0.0.1:\(port)", token.trimmingCharacters(in: .whitespacesAndNewlines)])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("sdk calls: 12 ok, 0 failing"), output)
    }
}
