import Foundation

/// Times are kept as Unix seconds (fractional) and shown in records as ISO 8601 UTC strings.
public enum Timestamp {
    /// Now, to the millisecond: what an ISO 8601 string keeps, so records survive a JSON round trip exactly.
    public static func now() -> Double { millis(Int64((Date().timeIntervalSince1970 * 1000).rounded())) }

    static func millis(_ ms: Int64) -> Double { Double(ms) / 1000 }

    /// `2026-11-29T03:08:23.123Z`. Written digit by digit into one 24-byte string: every event and record carries
    /// times, and building it from seven padded strings was most of its cost (docs/benchmarks.md).
    public static func iso8601(_ seconds: Double) -> String {
        let total = Int64((seconds * 1000).rounded())
        var t = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        let millis = Int(total - Int64(t) * 1000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let year = Int(tmv.tm_year) + 1900
        guard (0...9999).contains(year) else { return unpadded(year, tmv, millis) }
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int, _ width: Int, at index: Int) {
                var v = value
                for i in stride(from: index + width - 1, through: index, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            put(year, 4, at: 0); out[4] = UInt8(ascii: "-")
            put(Int(tmv.tm_mon) + 1, 2, at: 5); out[7] = UInt8(ascii: "-")
            put(Int(tmv.tm_mday), 2, at: 8); out[10] = UInt8(ascii: "T")
            put(Int(tmv.tm_hour), 2, at: 11); out[13] = UInt8(ascii: ":")
            put(Int(tmv.tm_min), 2, at: 14); out[16] = UInt8(ascii: ":")
            put(Int(tmv.tm_sec), 2, at: 17); out[19] = UInt8(ascii: ".")
            put(millis, 3, at: 20); out[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Years outside 0...9999 (never written by Aragora itself, but a client may send any number of seconds).
    private static func unpadded(_ year: Int, _ tmv: tm, _ millis: Int) -> String {
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(year)-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T"
            + "\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Accepts an ISO 8601 string or a number of Unix seconds.
    public static func parse(_ text: String) -> Double? {
        if let d = Double(text) { return d }
        if let exact = parseOwnFormat(text) { return exact }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)?.timeIntervalSince1970
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, read back to exactly the value `now()` produced.
    static func parseOwnFormat(_ text: String) -> Double? {
        let u = Array(text.utf8)
        guard u.count == 24, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u[19] == 46, u[23] == 90 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int32? {
            var v: Int32 = 0
            for i in from..<(from + len) {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int32(u[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2), let ms = num(20, 3) else { return nil }
        var t = tm()
        t.tm_year = y - 1900
        t.tm_mon = mo - 1
        t.tm_mday = d
        t.tm_hour = h
        t.tm_min = mi
        t.tm_sec = s
        let secs = timegm(&t)
        return millis(Int64(secs) * 1000 + Int64(ms))
    }

    static func decode<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Double? {
        if let d = try? c.decodeIfPresent(Double.self, forKey: key) { return d }
        guard let s = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let d = parse(s) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a timestamp: \(s)")
        }
        return d
    }
}
