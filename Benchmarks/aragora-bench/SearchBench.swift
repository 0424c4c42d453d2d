import AragoraCore
import AragoraStore
import Foundation
import Logging
import SQLiteNIO

/// `aragora-bench search [N]`: question search (`GET /api/debates?q=`) over N debates (default 100,000), a tenth of
/// them crafted 10,000-character questions, on SQLite (and on PostgreSQL with BENCH_POSTGRES_URL, a database to
/// fill). Prints the median and p99 per query through the store (the trigram index, then LIKE to confirm), and
/// for SQLite the same search as a plain LIKE over every row, as it was before the index: the ratio between them.
enum SearchBench {
    static let queries = ["FOUR-DAY", "monorepo", "zebra-7", "needle in 9", "xyz", "Should we adopt"]

    static func question(_ i: Int) -> String {
        if i % 10 == 0 {
            // Crafted: long, with the searched words nowhere in it but near matches everywhere.
            return String(repeating: "Should we adopt a monorep\(i % 7)? ", count: 300).prefix(10_000) + " #\(i)"
        }
        let topics = ["Should we adopt a monorepo", "Is a FOUR-DAY week worth it", "Rust or Go for the new service",
                      "Should we buy or build", "Which database for events"]
        return "\(topics[i % topics.count])? case \(i)" + (i % 997 == 0 ? " zebra-7" : "") + (i % 5003 == 0 ? " needle in 9" : "")
    }

    static func fill(_ store: any DebateStore, n: Int) async throws {
        let agents = [AgentIdentity(name: "a", provider: "demo", model: "m")]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<8 {
                group.addTask {
                    for i in stride(from: w, to: n, by: 8) {
                        let r = DebateRecord(id: "deb_s\(i)", task: question(i), agents: agents, rounds: 1, consensusMethod: .majority,
                                             seed: 1, createdAt: Double(i))
                        _ = try await store.create(r, owner: "bench", leaseSeconds: 30)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A page's count as the API gives it: "1000+" when the search stopped counting.
    static func found(_ page: DebatePage) -> String { page.totalIsExact ? "\(page.total)" : "\(page.total)+" }

    static func time<T>(_ runs: Int, _ body: () async throws -> T) async rethrows -> (median: Double, p99: Double, hits: T) {
        var samples: [Double] = []
        var hits: T? = nil
        for _ in 0..<runs {
            let t = ContinuousClock.now
            hits = try await body()
            samples.append((ContinuousClock.now - t).seconds * 1000)
        }
        return (Stats.median(samples), Stats.percentile(samples, 0.99), hits!)
    }

    /// A page far down a broad search: the newest rows are walked and tested up to the offset.
    static func deepPage(_ store: any DebateStore) async throws {
        for offset in [1_000, 10_000] {
            let t = try await time(5) { try await store.list(limit: 20, offset: offset, status: nil, matching: "Should we adopt").items.count }
            print("  q=\"Should we adopt\", offset \(offset): \(t.hits) on the page · median \(Stats.f(t.median, 2)) ms, p99 \(Stats.f(t.p99, 2)) ms")
        }
    }

    static func run(n: Int) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-search-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.sqlite").path
        let sqlite = try await SQLiteDebateStore.open(path: path)
        _ = try await sqlite.migrate()
        let t0 = ContinuousClock.now
        try await fill(sqlite, n: n)
        print("search: \(n) debates (a tenth with 10,000-character questions) in \(Stats.f((ContinuousClock.now - t0).seconds, 1)) s, SQLite")
        // The query as it was before the index, on a connection of its own.
        let raw = try await SQLiteConnection.open(storage: .file(path: path))
        for q in queries {
            let indexed = try await time(20) { found(try await sqlite.list(limit: 20, offset: 0, status: nil, matching: q)) }
            let pattern = "%" + q + "%"
            let scan = try await time(3) {
                try await raw.query("SELECT count(*) AS n FROM debates WHERE task LIKE ? ESCAPE '\\'", [.text(pattern)]).first?
                    .column("n")?.integer ?? -1
            }
            print("  q=\"\(q)\": \(indexed.hits) found · indexed median \(Stats.f(indexed.median, 2)) ms, p99 \(Stats.f(indexed.p99, 2)) ms"
                  + " · target < 5 ms · LIKE over every row (before) \(Stats.f(scan.median, 1)) ms (\(scan.hits) found)"
                  + " · \(Stats.f(scan.median / indexed.median, 0))x")
        }
        try await deepPage(sqlite)
        try await raw.close()
        try await sqlite.close()

        guard let url = ProcessInfo.processInfo.environment["BENCH_POSTGRES_URL"] else {
            print("  PostgreSQL: set BENCH_POSTGRES_URL (an empty database) to measure it too")
            return
        }
        guard case .postgres(let location) = try DatabaseLocation.parse(url, defaultSQLitePath: "") else { return }
        let pg = try PostgresDebateStore(location: location)
        _ = try await pg.migrate()
        let t1 = ContinuousClock.now
        try await fill(pg, n: n)
        print("search: \(n) debates in \(Stats.f((ContinuousClock.now - t1).seconds, 1)) s, PostgreSQL")
        for q in queries {
            let indexed = try await time(20) { found(try await pg.list(limit: 20, offset: 0, status: nil, matching: q)) }
            print("  q=\"\(q)\": \(indexed.hits) found · median \(Stats.f(indexed.median, 2)) ms, p99 \(Stats.f(indexed.p99, 2)) ms · target < 5 ms")
        }
        try await deepPage(pg)
        try await pg.close()
    }
}
