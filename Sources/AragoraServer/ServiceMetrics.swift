import Foundation

/// Counters and gauges rendered as Prometheus text at `/metrics`.
public final class ServiceMetrics: @unchecked Sendable {
    // Safe: all state is guarded by `lock`.
    private let lock = NSLock()
    private var counters: [String: [String: Double]] = [:]
    private var gauges: [String: Double] = [:]
    private var durationSum: [String: Double] = [:]
    private var durationCount: [String: Double] = [:]
    private var buckets: [String: [Double]] = [:]
    static let bucketBounds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]

    static let help: [String: String] = [
        "aragora_http_requests_total": "HTTP requests by method and status",
        "aragora_http_request_duration_seconds": "HTTP request latency",
        "aragora_debates_created_total": "Debates accepted",
        "aragora_debates_finished_total": "Debates ended, by status",
        "aragora_debates_active": "Debates running in this instance",
        "aragora_debates_queued": "Debates waiting for a slot in this instance",
        "aragora_rate_limited_total": "Requests refused by rate limits",
        "aragora_websocket_connections": "Open WebSocket connections",
    ]

    public init() {}

    static func key(_ labels: [String: String]) -> String {
        labels.keys.sorted().map { "\($0)=\"\(labels[$0]!)\"" }.joined(separator: ",")
    }

    public func increment(_ name: String, labels: [String: String] = [:], by value: Double = 1) {
        let k = Self.key(labels)
        lock.withLock { counters[name, default: [:]][k, default: 0] += value }
    }

    public func setGauge(_ name: String, _ value: Double) {
        lock.withLock { gauges[name] = value }
    }

    public func addGauge(_ name: String, _ delta: Double) {
        lock.withLock { gauges[name, default: 0] += delta }
    }

    public func observe(route: String, seconds: Double) {
        lock.withLock {
            durationSum[route, default: 0] += seconds
            durationCount[route, default: 0] += 1
            var b = buckets[route] ?? Array(repeating: 0, count: Self.bucketBounds.count)
            for (i, bound) in Self.bucketBounds.enumerated() where seconds <= bound { b[i] += 1 }
            buckets[route] = b
        }
    }

    public func render() -> String {
        lock.withLock {
            var out = ""
            for name in counters.keys.sorted() {
                out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) counter\n"
                for (labels, v) in counters[name]!.sorted(by: { $0.key < $1.key }) {
                    out += labels.isEmpty ? "\(name) \(Self.num(v))\n" : "\(name){\(labels)} \(Self.num(v))\n"
                }
            }
            for name in gauges.keys.sorted() {
                out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) gauge\n\(name) \(Self.num(gauges[name]!))\n"
            }
            let h = "aragora_http_request_duration_seconds"
            if !durationCount.isEmpty {
                out += "# HELP \(h) \(Self.help[h]!)\n# TYPE \(h) histogram\n"
                for route in durationCount.keys.sorted() {
                    let b = buckets[route]!
                    for (i, bound) in Self.bucketBounds.enumerated() {
                        out += "\(h)_bucket{route=\"\(route)\",le=\"\(bound)\"} \(Self.num(b[i]))\n"
                    }
                    out += "\(h)_bucket{route=\"\(route)\",le=\"+Inf\"} \(Self.num(durationCount[route]!))\n"
                    out += "\(h)_sum{route=\"\(route)\"} \(durationSum[route]!)\n\(h)_count{route=\"\(route)\"} \(Self.num(durationCount[route]!))\n"
                }
            }
            return out
        }
    }

    static func num(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}
