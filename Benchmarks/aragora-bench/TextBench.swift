import AragoraCore
import Foundation

/// Finding a separator in agent text, as the demo agents and the reply parser do: `firstByteRange(of:)` (what
/// the code uses) against the standard library's searches and Foundation's.
enum TextBench {
    static func run(quick: Bool) {
        let text = String(repeating: "The skeptic holds that adopting a monorepo needs careful staging, ünïcode included. ", count: 8)
            + "\n\nRecommendation: stage it over six weeks.\n\nRevision (round 2): kept."
        let needle = "\n\nRecommendation: "
        let n = quick ? 2000 : 20000
        func time(_ body: () -> Bool) -> Double {
            var samples: [Double] = []
            for _ in 0..<7 {
                var found = 0
                let start = ContinuousClock.now
                for _ in 0..<n where body() { found += 1 }
                precondition(found == n)
                samples.append((ContinuousClock.now - start).seconds * 1e6 / Double(n))
            }
            return Stats.median(samples)
        }
        let ours = time { text.firstByteRange(of: needle) != nil }
        let stdlib = time { text.utf8.firstRange(of: needle.utf8) != nil }
        let stdlibString = time { text.firstRange(of: needle) != nil }
        let foundation = time { text.range(of: needle) != nil }
        print("text: find a separator near the end of \(text.utf8.count) bytes (median of 7 × \(n))")
        print("  firstByteRange \(Stats.f(ours, 2)) µs · stdlib String.firstRange \(Stats.f(stdlibString, 2)) µs (\(Stats.f(stdlibString / ours, 1))x) · "
              + "stdlib utf8.firstRange \(Stats.f(stdlib, 2)) µs (\(Stats.f(stdlib / ours, 1))x) · "
              + "Foundation range(of:) \(Stats.f(foundation, 2)) µs (\(Stats.f(foundation / ours, 1))x)")
    }
}
