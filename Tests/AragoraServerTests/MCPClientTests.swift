import AragoraTestSupport
import Foundation
import XCTest

/// The MCP server as clients use it: the official Python `mcp` SDK (2.3.0, installed by the test services) runs
/// `scripts/mcp_client_check.py` over stdio (spawning `aragora mcp`) and over streamable HTTP against `aragora serve`
/// with auth on. The script prints the session and one line per check; every check must pass.
final class MCPClientTests: XCTestCase {
    func python() throws -> String { try TestServices.require("ARAGORA_TEST_MCP_PYTHON")[0] }

    func runCheck(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try python())
        p.arguments = [ServerProcess.packageRoot().appendingPathComponent("scripts/mcp_client_check.py").path] + args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-mcp-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        // The script bounds its own waits (anyio.fail_after); this only catches a wedged interpreter.
        let deadline = Date().addingTimeInterval(600)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        print(output)
        return (p.terminationStatus, output)
    }

    func testPythonClientOverStdio() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-mcp-stdio-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, output) = try runCheck(["stdio", try ServerProcess.binary().path, dir])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("mcp checks: 13 ok, 0 failing"), output)
    }

    func testPythonClientOverHTTPWithAuth() throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-mcp-http-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Slow enough demo agents that a debate outlasts a short wait_seconds and can be cancelled mid-way.
        let (server, port) = try ServerProcess.start(bin, dataDir: dir, extra: ["ARAGORA_API_TOKEN": "mcp-secret", "ARAGORA_DEMO_LATENCY_MS": "300"])
        defer { server.terminate(); server.waitUntilExit() }
        let (status, output) = try runCheck(["http", "http://127.0.0.1:\(port)/mcp", bin.path], env: ["ARAGORA_API_TOKEN": "mcp-secret"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("mcp checks: 21 ok, 0 failing"), output)
    }
}
