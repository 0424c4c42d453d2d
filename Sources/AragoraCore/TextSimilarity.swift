import Foundation

/// Similarity of two texts in [0, 1]: TF-IDF cosine over a small corpus, with a Jaccard fallback.
public enum TextSimilarity {
    /// Lowercased word tokens of two or more letters or digits (any non-ASCII byte counts as a letter).
    public static func tokens(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var current: [UInt8] = []
        func flush() {
            if current.count >= 2 { out.append(Substring(String(decoding: current, as: UTF8.self))) }
            current.removeAll(keepingCapacity: true)
        }
        for b in text.utf8 {
            switch b {
            case 65...90: current.append(b + 32)
            case 97...122, 48...57, 128...255: current.append(b)
            default: flush()
            }
        }
        flush()
        return out
    }

    /// Jaccard index of the two token sets.
    public static func jaccard(_ a: String, _ b: String) -> Double {
        let sa = Set(tokens(a)), sb = Set(tokens(b))
        if sa.isEmpty && sb.isEmpty { return 1 }
        let union = sa.union(sb).count
        return union == 0 ? 0 : Double(sa.intersection(sb).count) / Double(union)
    }

    /// Token ids (FNV-1a hashes of the lowercased word): cheap to hash, collisions are negligible here.
    static func tokenIDs(_ text: String) -> [UInt64] {
        var out: [UInt64] = []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var length = 0
        for b in text.utf8 {
            let c: UInt8
            switch b {
            case 65...90: c = b + 32
            case 97...122, 48...57, 128...255: c = b
            default:
                if length >= 2 { out.append(h) }
                h = 0xcbf2_9ce4_8422_2325
                length = 0
                continue
            }
            h = (h ^ UInt64(c)) &* 0x100_0000_01b3
            length += 1
        }
        if length >= 2 { out.append(h) }
        return out
    }

    /// Cosine similarity of each pair `(a[i], b[i])`, with IDF weights learned from all the texts given.
    /// When a vector has no weight (nothing to compare), the Jaccard index of the token sets is used instead.
    public static func pairwise(_ pairs: [(String, String)]) -> [Double] {
        let docs = pairs.flatMap { [tokenIDs($0.0), tokenIDs($0.1)] }
        var df: [UInt64: Int] = [:]
        for doc in docs { for term in Set(doc) { df[term, default: 0] += 1 } }
        let n = Double(docs.count)
        func vector(_ doc: [UInt64]) -> [UInt64: Double] {
            var tf: [UInt64: Double] = [:]
            for t in doc { tf[t, default: 0] += 1 }
            for (t, c) in tf { tf[t] = c * (log((1 + n) / (1 + Double(df[t] ?? 0))) + 1) }
            return tf
        }
        var out: [Double] = []
        out.reserveCapacity(pairs.count)
        for k in 0..<pairs.count {
            let da = docs[2 * k], db = docs[2 * k + 1]
            if da.isEmpty || db.isEmpty {
                out.append(da.isEmpty && db.isEmpty ? 1 : 0)
                continue
            }
            let va = vector(da), vb = vector(db)
            var dot = 0.0, na = 0.0, nb = 0.0
            for (t, w) in va {
                na += w * w
                if let w2 = vb[t] { dot += w * w2 }
            }
            for w in vb.values { nb += w * w }
            let denom = (na * nb).squareRoot()
            out.append(denom > 0 ? min(1, dot / denom) : jaccard(pairs[k].0, pairs[k].1))
        }
        return out
    }

    public static func cosine(_ a: String, _ b: String) -> Double {
        pairwise([(a, b)])[0]
    }
}
