import Metrics
import Prometheus
import Synchronization

/// The service's metrics, recorded through swift-metrics and exported in Prometheus' text format by
/// swift-prometheus at `/metrics`. The metrics system is process-wide, so it is bootstrapped once; request
/// counts and latencies by matched route pattern come from Hummingbird's `MetricsMiddleware`.
public final class ServiceMetrics: Sendable {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Counters already made, by name and labels: making one goes through the registry's lock and checks.
    private let counters = Mutex<[String: Metrics.Counter]>([:])

    public init() {
        _ = Self.registry
    }

    public func increment(_ name: String, by amount: Int64 = 1, labels: [(String, String)] = []) {
        let key = labels.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
        let counter = counters.withLock { cache in
            if let c = cache[key] { return c }
            let c = Metrics.Counter(label: name, dimensions: labels)
            cache[key] = c
            return c
        }
        counter.increment(by: amount)
    }

    /// A counter of fractional amounts (USD spent).
    public func add(_ name: String, _ amount: Double, labels: [(String, String)] = []) {
        FloatingPointCounter(label: name, dimensions: labels).increment(by: amount)
    }

    /// A duration, into the histogram `name` (seconds buckets).
    public func observe(_ name: String, seconds: Double, labels: [(String, String)] = []) {
        Metrics.Timer(label: name, dimensions: labels).recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    public func setGauge(_ name: String, _ value: Double, labels: [(String, String)] = []) {
        Gauge(label: name, dimensions: labels).record(value)
    }

    public func addGauge(_ name: String, _ delta: Double) {
        Meter(label: name).increment(by: delta)
    }

    public func render() -> String {
        Self.registry.emitToString()
    }
}
