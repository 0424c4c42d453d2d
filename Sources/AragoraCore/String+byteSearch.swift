extension StringProtocol {
    /// The first occurrence of `needle`, matched byte for byte in UTF-8: exact and locale-free, which is what
    /// reading replies and filling templates needs. On Linux the standard library's `firstRange(of:)` is about
    /// 30 times slower than this loop over the contiguous bytes, and Foundation's `range(of:)` about 25 times
    /// (`aragora-bench text`); `ByteSearchTests` pins the behaviour.
    public func firstByteRange(of needle: some StringProtocol) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return nil }
        let scan: (UnsafeBufferPointer<UInt8>) -> Int? = { hay in
            guard n.count <= hay.count else { return nil }
            let first = n[0]
            var i = 0
            while i <= hay.count - n.count {
                if hay[i] == first {
                    var k = 1
                    while k < n.count && hay[i + k] == n[k] { k += 1 }
                    if k == n.count { return i }
                }
                i += 1
            }
            return nil
        }
        let offset: Int?
        if let found = utf8.withContiguousStorageIfAvailable(scan) {
            offset = found
        } else {
            offset = Array(utf8).withUnsafeBufferPointer(scan)  // bridged strings: copy once
        }
        guard let offset else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: offset)
        return start..<utf8.index(start, offsetBy: n.count)
    }

    public func containsBytes(of needle: some StringProtocol) -> Bool { firstByteRange(of: needle) != nil }
}
