import AragoraTestSupport
import Foundation
import Synchronization
import XCTest

/// A real `aragora serve` process for tests that need one (crash recovery, the Python client).
enum ServerProcess {
    static func binary() throws -> URL { try BuiltBinary.aragora() }

    /// The checkout's root, for its scripts.
    static func packageRoot() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs one of `scripts/` with `python` to its end, output to a file (no pipe can fill) and printed; the
    /// scripts bound their own waits, so `limit` only catches a wedged interpreter.
    static func runScript(_ python: String, _ script: String, _ args: [String], env: [String: String] = [:],
                          limit: TimeInterval = 900) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [packageRoot().appendingPathComponent("scripts/" + script).path] + args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-script-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(limit)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        print(output)
        return (p.terminationStatus, output)
    }

    /// What a started server wrote to stderr after its startup line (kept when `log` is given).
    final class Log: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var contents: String { text.withLock { $0 } }
    }

    static func start(_ bin: URL, dataDir: String, extra: [String: String] = [:], log: Log? = nil) throws -> (Process, Int) {
        let p = Process()
        p.executableURL = bin
        p.arguments = ["serve", "--port", "0"]
        var env = ProcessInfo.processInfo.environment
        env["ARAGORA_DATA_DIR"] = dataDir
        env["ARAGORA_DEMO_LATENCY_MS"] = "60"
        env["ARAGORA_DISABLE_ALL_RATE_LIMITS"] = "1"
        env.merge(extra) { _, b in b }
        p.environment = env
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // The startup log line names the port.
        var seen = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: "address=127.0.0.1:") {
                let digits = seen[r.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 {
                    // Keep draining stderr so the server never blocks on a full pipe.
                    Thread.detachNewThread {
                        while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty { log?.append(data) }
                    }
                    return (p, port)
                }
            }
        }
        p.terminate()
        XCTFail("server did not start: \(seen)")
        throw CocoaError(.fileReadUnknown)
    }
}

extension Process {
    /// SIGTERM, and SIGKILL if it is still there after 10 s; then reaped. Polls instead of `waitUntilExit`, which
    /// spins a run loop and can hang when called from a task.
    func stopAndWait() {
        if isRunning { terminate() }
        for _ in 0..<1000 where isRunning { usleep(10_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        for _ in 0..<1000 where isRunning { usleep(10_000) }
    }
}
