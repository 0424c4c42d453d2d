/// Debate ids: `deb_` + 20 random base-36 characters, matching `[A-Za-z0-9_-]{1,128}`.
public enum DebateID {
    public static func make() -> String {
        // Ten digits from each of two random words: two calls for randomness instead of twenty (each one a system
        // call, most of an id's cost). 36^10 < 2^64, so each digit stays as uniform as `% 36` made it before.
        var g = SystemRandomNumberGenerator()
        let words = (g.next() as UInt64, g.next() as UInt64)
        return String(unsafeUninitializedCapacity: 24) { out in
            for (i, c) in "deb_".utf8.enumerated() { out[i] = c }
            var word = words.0
            for i in 4..<24 {
                if i == 14 { word = words.1 }
                out[i] = alphabet[Int(word % 36)]
                word /= 36
            }
            return 24
        }
    }

    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
        }
    }
}
