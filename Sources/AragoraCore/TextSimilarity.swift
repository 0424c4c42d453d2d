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
    /// Over the contiguous bytes: the `String.UTF8View` iterator cost as much as the hashing.
    static func tokenIDs(_ text: String) -> [UInt64] {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt64] = []
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var length = 0
            for b in bytes {
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
    }

    /// Cosine similarity of each pair `(a[i], b[i])`, with IDF weights learned from all the texts given.
    /// When a vector has no weight (nothing to compare), the Jaccard index of the token sets is used instead.
    /// Vectors are sorted arrays of token ids, merged instead of hashed: this runs on every round of every debate.
    public static func pairwise(_ pairs: [(String, String)]) -> [Double] {
        let docs = pairs.flatMap { [Sparse(tokenIDs($0.0)), Sparse(tokenIDs($0.1))] }
        // Document frequency of each term: the sorted union of every document's distinct terms, with counts.
        var all: [UInt64] = []
        all.reserveCapacity(docs.reduce(0) { $0 + $1.ids.count })
        for doc in docs { all.append(contentsOf: doc.ids) }
        let terms = Sparse(all)
        let n = Double(docs.count)
        let idf = terms.counts.map { log((1 + n) / (1 + $0)) + 1 }
        /// Term weights (tf x idf) of a document, aligned with its ids; both lists are sorted, so one walk.
        func weights(_ doc: Sparse) -> [Double] {
            var out = [Double](repeating: 0, count: doc.ids.count)
            var j = 0
            for (i, id) in doc.ids.enumerated() {
                while terms.ids[j] < id { j += 1 }
                out[i] = doc.counts[i] * idf[j]
            }
            return out
        }
        var out: [Double] = []
        out.reserveCapacity(pairs.count)
        for k in 0..<pairs.count {
            let da = docs[2 * k], db = docs[2 * k + 1]
            if da.ids.isEmpty || db.ids.isEmpty {
                out.append(da.ids.isEmpty && db.ids.isEmpty ? 1 : 0)
                continue
            }
            let wa = weights(da), wb = weights(db)
            var dot = 0.0, i = 0, j = 0
            while i < da.ids.count, j < db.ids.count {
                if da.ids[i] == db.ids[j] {
                    dot += wa[i] * wb[j]
                    i += 1; j += 1
                } else if da.ids[i] < db.ids[j] { i += 1 } else { j += 1 }
            }
            let na = wa.reduce(0) { $0 + $1 * $1 }, nb = wb.reduce(0) { $0 + $1 * $1 }
            let denom = (na * nb).squareRoot()
            out.append(denom > 0 ? min(1, dot / denom) : jaccard(pairs[k].0, pairs[k].1))
        }
        return out
    }

    /// A bag of token ids: distinct ids in increasing order, each with how often it occurs.
    struct Sparse {
        var ids: [UInt64] = []
        var counts: [Double] = []

        init(_ tokens: [UInt64]) {
            let sorted = tokens.sorted()
            ids.reserveCapacity(sorted.count)
            counts.reserveCapacity(sorted.count)
            var i = 0
            while i < sorted.count {
                var j = i + 1
                while j < sorted.count, sorted[j] == sorted[i] { j += 1 }
                ids.append(sorted[i])
                counts.append(Double(j - i))
                i = j
            }
        }
    }

    public static func cosine(_ a: String, _ b: String) -> Double {
        pairwise([(a, b)])[0]
    }
}
