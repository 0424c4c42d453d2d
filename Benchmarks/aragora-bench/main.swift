import Foundation

// aragora-bench: the committed benchmarks. Prints medians and ratios; never fails on a number.
// Usage: aragora-bench [engine|json|text|process|providers|all] [--quick]; aragora-bench search [N]
let args = CommandLine.arguments.dropFirst()
let quick = args.contains("--quick")
let which = args.first { !$0.hasPrefix("--") } ?? "all"

if which == "scale-once", args.count >= 3, let n = Int(args[args.startIndex + 1]), let latency = Int(args[args.startIndex + 2]) {
    await EngineBench.scaleOnce(n, latencyMS: latency)
    exit(0)
}
if which == "heap-probe" {
    await HeapProbe.run(n: args.dropFirst().first.flatMap { Int($0) } ?? 1000)
    exit(0)
}
if which == "open-loop", args.count >= 4, let rate = Double(args[args.startIndex + 2]), let seconds = Double(args[args.startIndex + 3]) {
    try await OpenLoop.run(url: args[args.startIndex + 1], rate: rate, seconds: seconds)
    exit(0)
}
if which == "closed-loop", args.count >= 4, let n = Int(args[args.startIndex + 2]), let clients = Int(args[args.startIndex + 3]) {
    try await ClosedLoop.run(url: args[args.startIndex + 1], total: n, clients: clients)
    exit(0)
}
if which == "search" {
    try await SearchBench.run(n: args.dropFirst().first.flatMap { Int($0) } ?? 100_000)
    exit(0)
}
if which == "bare-server" {
    try await BareServer.serve(port: args.dropFirst().first.flatMap { Int($0) } ?? 18090)
    exit(0)
}
if which == "fake-provider" {
    try await ProviderBench.serveFake()
    exit(0)
}
if which == "providers" || which == "all" {
    try await ProviderBench.run(quick: quick)
}
if which == "engine-overhead" {  // the engine overhead alone, e.g. under `perf record`
    await EngineBench.overhead(iterations: quick ? 200 : 5000)
}
if which == "const" {
    await EngineBench.constantOverhead(iterations: 2000)
}
if which == "overhead" {
    await EngineBench.overhead(iterations: quick ? 200 : 2000)
    await EngineBench.constantOverhead(iterations: quick ? 200 : 2000)
}
if which == "text" || which == "all" {
    TextBench.run(quick: quick)
}
if which == "json" || which == "all" {
    try await JSONBench.run(quick: quick)
}
if which == "engine" || which == "all" {
    await EngineBench.overhead(iterations: quick ? 200 : 2000)
    await EngineBench.criticalPath(latencyMS: 50, runs: quick ? 3 : 7)
    await EngineBench.scale(concurrent: quick ? 200 : 1000, latencyMS: 200, many: quick ? 2000 : 10_000)
}
if which == "process" || which == "all" {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let aragora = ProcessInfo.processInfo.environment["ARAGORA_BIN"] ?? dir.appendingPathComponent("aragora").path
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-bench-\(getpid())").path
    var env = ProcessInfo.processInfo.environment
    env["ARAGORA_DATA_DIR"] = data
    do {
        _ = try ProcessBench.run(aragora, ["ask", "Should we adopt a monorepo?", "--seed", "1", "--quiet"], environment: env, runs: 2)
        let samples = try ProcessBench.run(aragora, ["ask", "Should we adopt a monorepo?", "--seed", "1", "--quiet"],
                                           environment: env, runs: quick ? 5 : 20)
        let med = Stats.median(samples)
        print("whole process: aragora ask --seed 1 (3 demo agents, 3 rounds), \(samples.count) runs")
        print("  median \(Stats.f(med, 1)) ms · target <= 100 ms · ratio to target \(Stats.f(med / 100, 2)) · vs original Python 3.3 s: \(Stats.f(3300 / med, 0))x faster")
    } catch {
        print("whole process: could not run \(aragora): \(error)")
    }
    try? FileManager.default.removeItem(atPath: data)
}
