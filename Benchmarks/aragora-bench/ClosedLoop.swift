import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Debates completed per second from outside: `CLIENTS` keep-alive clients each post demo debates one after the
/// other (the next once the last was answered) until `N` were accepted; the clock runs from the first post until
/// the service reports all of them completed. A refusal (503, queue full) is retried after its `Retry-After`.
/// `aragora-bench closed-loop URL N CLIENTS` prints: accepted, refused, posting rate, completion rate, wall time.
/// Meant for a fresh data directory: completions are counted by `GET /api/debates?status=completed`.
enum ClosedLoop {
    static func run(url: String, total: Int, clients: Int) async throws {
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let body = ByteBuffer(string: #"{"question":"Should we adopt a monorepo?","rounds":3}"#)
        let before = try await completed(client, url)
        let counter = Counter()
        let start = ContinuousClock.now
        let refused = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var refusals = 0
                    while counter.next(below: total) {
                        while true {
                            var request = HTTPClientRequest(url: url + "/api/debates")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(body)
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            if response.status.code == 200 { break }
                            guard response.status.code == 503 else { throw BenchError("POST /api/debates: \(response.status.code)") }
                            refusals += 1
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    return refusals
                }
            }
            return try await group.reduce(0, +)
        }
        let posted = ContinuousClock.now - start
        var done = try await completed(client, url) - before
        while done < total {
            try await Task.sleep(for: .milliseconds(20))
            done = try await completed(client, url) - before
        }
        let wall = ContinuousClock.now - start
        try await client.shutdown()
        print("accepted \(total) refused \(refused) clients \(clients) posted/s \(Stats.f(Double(total) / posted.seconds, 1)) "
              + "completed/s \(Stats.f(Double(total) / wall.seconds, 1)) wall_s \(Stats.f(wall.seconds, 2))")
    }

    private static func completed(_ client: HTTPClient, _ url: String) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: url + "/api/debates?status=completed&limit=1"), timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any],
              let total = object["total"] as? Int else { throw BenchError("no total in the debate list") }
        return total
    }

    /// Hands out post numbers to the clients.
    final class Counter: Sendable {
        private let n = Mutex(0)
        func next(below total: Int) -> Bool { n.withLock { if $0 >= total { return false }; $0 += 1; return true } }
    }
}
