import CMallocStats
import Foundation
import Synchronization

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

    /// Bytes malloc has handed out and not had back (glibc's mallinfo2: arenas in use plus mmapped blocks), in KB:
    /// the live heap, apart from what RSS adds (freed memory not returned, fragmentation, stacks, code).
    static func heapInUseKB() -> Int { aragora_heap_in_use() / 1024 }

    /// CPU time (user + system) this process has used so far, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// BENCH_TRACE=1: the sampler prints every sample to stderr (to see when memory grows).
    static let trace = ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil

    /// Resets VmHWM (Linux: write 5 to clear_refs).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Samples RSS every 5 ms on a thread and reports the highest value seen.
    final class Sampler: Sendable {
        private let state = Mutex((peak: 0, heapPeak: 0, running: true))

        /// `heap`: also sample the live heap, every 20th sample (mallinfo2 walks the whole heap under the arena
        /// lock: fine for a few thousand debates, a stall for every malloc beyond).
        init(heap: Bool = true) {
            Thread.detachNewThread { [self] in
                var tick = 0
                var heap = heap ? Memory.heapInUseKB() : 0
                while true {
                    let rss = Memory.residentKB()
                    tick += 1
                    if heap > 0, tick % 20 == 0 { heap = Memory.heapInUseKB() }
                    if Memory.trace { FileHandle.standardError.write(Data("\(ContinuousClock.now) rss \(rss) heap \(heap)\n".utf8)) }
                    let go = state.withLock { s in
                        s.peak = max(s.peak, rss)
                        s.heapPeak = max(s.heapPeak, heap)
                        return s.running
                    }
                    if !go { break }
                    usleep(5000)
                }
            }
        }

        /// The highest RSS and live heap seen, in KB.
        func stop() -> (rss: Int, heap: Int) {
            let (peak, heap) = state.withLock { s in
                s.running = false
                return (s.peak, s.heapPeak)
            }
            return (max(peak, Memory.residentKB()), max(heap, Memory.heapInUseKB()))
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
