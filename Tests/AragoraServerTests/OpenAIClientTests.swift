import AragoraTestSupport
import Foundation
import XCTest

/// The OpenAI-compatible endpoint as clients use it: the official `openai` Python package (3.63.0, installed by the
/// test services) runs `scripts/openai_client_check.py` against `aragora serve` with auth on: models, a plain and a
/// streamed completion checked against the stored debate, a follow-up, max_tokens, and each error class. Then the same
/// plain and streamed calls with the real small model of the test services as the panel.
final class OpenAIClientTests: XCTestCase {
    func runCheck(_ python: String, _ args: [String]) throws -> (Int32, String) {
        let run = try ServerProcess.runScript(python, "openai_client_check.py", args)
        return (run.status, run.output)
    }

    func panelsFile(_ dir: String, _ json: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/panels.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func token(_ bin: URL, secret: String) throws -> String {
        let p = Process()
        p.executableURL = bin
        p.arguments = ["token", "--loop-id", "admin", "--ttl", "3600"]
        p.environment = ["ARAGORA_API_TOKEN": secret, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testOfficialClientAgainstTheDemoPanel() throws {
        let python = try TestServices.require("ARAGORA_TEST_OPENAI_PYTHON")[0]
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-openai-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let panels = try panelsFile(dir, #"{"quick": {"agents": ["demo:skeptic", "demo:pragmatist", "demo:visionary"], "rounds": 1, "consensus": "majority"}}"#)
        // Rate limits on, with a creation budget of 10 a minute and no burst: the script's thirteenth debate is refused.
        let (server, port) = try ServerProcess.start(bin, dataDir: dir, extra: [
            "ARAGORA_API_TOKEN": "openai-secret", "ARAGORA_PANELS_FILE": panels, "ARAGORA_DISABLE_ALL_RATE_LIMITS": "0",
            "ARAGORA_CREATE_RATE_LIMIT": "10", "ARAGORA_BURST_MULTIPLIER": "1", "ARAGORA_RATE_LIMIT": "100000"])
        defer { server.terminate(); server.waitUntilExit() }
        let (status, output) = try runCheck(python, ["http://127.0.0.1:\(port)/v1", try token(bin, secret: "openai-secret"),
                                                     "--model", "aragora/quick", "--rate-limited"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("openai checks: 15 ok, 0 failing"), output)
    }

    func testOfficialClientWithTheRealSmallModelAsThePanel() throws {
        let v = try TestServices.require("ARAGORA_TEST_OPENAI_PYTHON", "ARAGORA_TEST_LLAMA_URL")
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-openai-real-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let panels = try panelsFile(dir, #"{"local": {"agents": ["openai-compatible:skeptic", "openai-compatible:pragmatist"], "rounds": 1, "consensus": "majority"}}"#)
        let (server, port) = try ServerProcess.start(bin, dataDir: dir, extra: [
            "ARAGORA_API_TOKEN": "openai-secret", "ARAGORA_PANELS_FILE": panels, "OPENAI_COMPATIBLE_BASE_URL": v[1],
            "ARAGORA_MAX_OUTPUT_TOKENS": "120"])
        defer { server.terminate(); server.waitUntilExit() }
        let (status, output) = try runCheck(v[0], ["http://127.0.0.1:\(port)/v1", try token(bin, secret: "openai-secret"),
                                                   "--model", "aragora/local", "--real"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("openai checks: 12 ok, 0 failing"), output)
    }
}
