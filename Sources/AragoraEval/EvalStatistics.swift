import Foundation

/// The figures an evaluation reports: accuracy with its 95% Wilson score interval, and the exact McNemar test of
/// two configurations answering the same items.
public enum EvalStatistics {
    /// z for a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// The Wilson score interval of `correct` of `total` (Wilson 1927): well-behaved near 0 and 1 and for small n,
    /// where the normal approximation is not. `(0, 1)` for no items.
    public static func wilson(correct: Int, total: Int, z: Double = z95) -> (low: Double, high: Double) {
        guard total > 0 else { return (0, 1) }
        let n = Double(total), p = Double(correct) / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        return (max(0, centre - half), min(1, centre + half))
    }

    /// The two-sided exact McNemar p-value: of the items the two configurations disagree on, `onlyFirst` were right
    /// only under the first and `onlySecond` only under the second; under no difference each is Binomial(n, 1/2).
    /// 1 when they never disagree.
    public static func mcnemar(onlyFirst b: Int, onlySecond c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let k = min(b, c)
        // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space (n may be large).
        var tail = 0.0
        for i in 0...k { tail += exp(logChoose(n, i) - Double(n) * log(2.0)) }
        return min(1, 2 * tail)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
