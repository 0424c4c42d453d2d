import AragoraTestSupport
import Foundation
import XCTest

/// The MCP server as clients use it: the official Python `mcp` SDK (2.3.0, installed by the test services) runs
/// `scripts/mcp_client_check.py` over stdio (spawning `aragora mcp`) and over streamable HTTP against `aragora serve`
/// with auth on. The script prints the session and one line per check; every check must pass.
final class MCPClientTests: XCTestCase {
    func python() throws -> String { try TestServices.require("ARAGORA_TEST_MCP_PYTHON")[0] }

    func runCheck(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let run = try ServerProcess.runScript(try python(), "mcp_client_check.py", args, env: env, limit: 600)
        return (run.status, run.output)
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
