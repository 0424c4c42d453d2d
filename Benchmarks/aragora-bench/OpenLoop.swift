import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// An open-loop load: `POST /api/debates` at a constant rate, whatever the server answers (unlike wrk, which
/// waits for each answer and so slows down with the server). Latency is counted from when each request was due,
/// so a stalled server shows as latency instead of hiding it.
/// `aragora-bench open-loop URL RATE SECONDS` prints: sent, accepted (200), refused (503), other, and the p50 / p99
/// latency of accepted creations in ms.
enum OpenLoop {
    final class Tally: Sendable {
        let state = Mutex((accepted: [Double](), refused: 0, other: 0))
        func record(_ status: Int, _ ms: Double) {
            state.withLock { s in
                if status == 200 { s.accepted.append(ms) } else if status == 503 { s.refused += 1 } else { s.other += 1 }
            }
        }
    }

    static func run(url: String, rate: Double, seconds: Double) async throws {
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let tally = Tally()
        let total = Int(rate * seconds)
        let body = ByteBuffer(string: #"{"question":"Should we adopt a monorepo?","rounds":3}"#)
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            var sent = 0
            while sent < total {
                // Every 5 ms, send what is due by now.
                let due = min(total, Int((ContinuousClock.now - start).seconds * rate) + 1)
                while sent < due {
                    let scheduled = start + .seconds(Double(sent) / rate)
                    sent += 1
                    group.addTask {
                        var request = HTTPClientRequest(url: url + "/api/debates")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(body)
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            tally.record(Int(response.status.code), (ContinuousClock.now - scheduled).ms)
                        } catch {
                            tally.record(0, 0)
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        try await client.shutdown()
        let s = tally.state.withLock { $0 }
        print("sent \(total) accepted \(s.accepted.count) refused \(s.refused) other \(s.other) "
              + "p50 \(Stats.f(Stats.median(s.accepted), 2)) p99 \(Stats.f(Stats.percentile(s.accepted, 0.99), 2))")
    }
}
