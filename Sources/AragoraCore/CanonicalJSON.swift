/// RFC 8785 JSON Canonicalization Scheme (JCS): the bytes an Open Decision Receipt's digest and signatures cover.
///
/// Differs from `JSONValue.serialized()` (our own receipts' canonical form) in three places, each one the RFC's:
/// numbers as ECMAScript's `Number.prototype.toString` prints them (`1e-7`, `0.00001`, `1e+21`), object members
/// sorted by UTF-16 code units (not by Swift's `String` order, which normalises), and `\b` / `\f` escaped short.
/// Integers (`JSONValue.int`) are written exactly, as the reference verifier (`aragora-verify`, Python) writes them;
/// I-JSON payloads never hold one a double cannot.
public enum CanonicalJSON {
    public struct Unrepresentable: Error, CustomStringConvertible {
        public var description: String
    }

    public static func bytes(_ value: JSONValue) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        try write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) throws {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d): out += Array(try number(d).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.map { ($0, Array($0.utf16)) }.sorted { $0.1.lexicographicallyPrecedes($1.1) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key.0, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(members[key.0]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// JSON.stringify's escaping: `"` `\` and the C0 controls, five of them by their short forms.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ECMAScript's Number::toString (ECMA-262 7.1.12.1) of a finite double. Swift's `description` already picks
    /// the shortest digit string that reads back as the same double (the nearest one on a tie), as ECMAScript does;
    /// only where the decimal point goes and when to switch to an exponent differ, and are redone here.
    public static func number(_ d: Double) throws -> String {
        guard d.isFinite else { throw Unrepresentable(description: "\(d) is not a JSON number (RFC 8785 forbids NaN and Infinity)") }
        if d == 0 { return "0" }  // -0 too
        let text = abs(d).description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let dot = mantissa.firstIndex(of: ".")
        let whole = dot.map { mantissa[..<$0] } ?? mantissa[...]
        let fraction = dot.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var digits = Array(whole + fraction)
        // n: where the decimal point sits relative to the digits (value = 0.d1d2... × 10^n).
        var n = whole.count + exponent
        while digits.first == "0" { digits.removeFirst(); n -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let s = String(digits)
        let out: String
        if k <= n && n <= 21 {
            out = s + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out = String(digits[..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            out = "0." + String(repeating: "0", count: -n) + s
        } else {
            let e = n - 1
            let head = k == 1 ? s : String(digits[0]) + "." + String(digits[1...])
            out = head + "e" + (e >= 0 ? "+" : "-") + String(abs(e))
        }
        return (d < 0 ? "-" : "") + out
    }
}
