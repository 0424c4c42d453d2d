import Foundation
import XCTest

/// A real `aragora serve` process for tests that need one (crash recovery, the Python client).
enum ServerProcess {
    static func binary() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [dir.appendingPathComponent("aragora")]
        var up = dir
        for _ in 0..<4 {
            up = up.deletingLastPathComponent()
            candidates.append(up.appendingPathComponent("aragora"))
        }
        if let env = ProcessInfo.processInfo.environment["ARAGORA_BIN"] { candidates.insert(URL(fileURLWithPath: env), at: 0) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            XCTFail("aragora binary not found next to the tests (\(dir.path)): run 'swift build' first")
            throw CocoaError(.fileNoSuchFile)
        }
        return found
    }

    static func start(_ bin: URL, dataDir: String, extra: [String: String] = [:]) throws -> (Process, Int) {
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
                    Thread.detachNewThread { while !pipe.fileHandleForReading.availableData.isEmpty {} }
                    return (p, port)
                }
            }
        }
        p.terminate()
        XCTFail("server did not start: \(seen)")
        throw CocoaError(.fileReadUnknown)
    }
}
