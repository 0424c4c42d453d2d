import Foundation

enum Stats {
    static func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        let idx = p * Double(s.count - 1)
        let lo = Int(idx.rounded(.down)), hi = Int(idx.rounded(.up))
        return s[lo] + (s[hi] - s[lo]) * (idx - Double(lo))
    }

    static func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}

enum Memory {
    /// Current resident set size in KB, from /proc.
    static func residentKB() -> Int { field("VmRSS") }
    static func peakKB() -> Int { field("VmHWM") }

    static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Resets VmHWM (Linux: write 5 to clear_refs).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Samples RSS every 5 ms on a thread and reports the highest value seen.
    final class Sampler: @unchecked Sendable {
        // Safe: `peak` and `running` are only touched under `lock`.
        private let lock = NSLock()
        private var peak = 0
        private var running = true
        private var thread: Thread?

        init() {
            let t = Thread { [self] in
                while true {
                    let rss = Memory.residentKB()
                    lock.lock()
                    peak = max(peak, rss)
                    let go = running
                    lock.unlock()
                    if !go { break }
                    usleep(5000)
                }
            }
            thread = t
            t.start()
        }

        func stop() -> Int {
            lock.lock()
            running = false
            let p = max(peak, Memory.peakKB() > 0 ? 0 : 0)
            lock.unlock()
            return max(p, Memory.residentKB())
        }
    }
}

/// Runs a command repeatedly and reports the median wall time.
enum ProcessBench {
    static func run(_ path: String, _ args: [String], environment: [String: String], runs: Int) throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<runs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
            p.environment = environment
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try p.run()
            p.waitUntilExit()
            samples.append((ContinuousClock.now - start).ms)
            guard p.terminationStatus == 0 else {
                throw NSError(domain: "bench", code: Int(p.terminationStatus),
                              userInfo: [NSLocalizedDescriptionKey: "\(path) exited \(p.terminationStatus)"])
            }
        }
        return samples
    }
}
