/// Writes one JSON object field by field, keys in the order given: for bodies built on every request (the health
/// check), where a `JSONValue` tree costs a dictionary and a key sort per object and the Codable path its
/// generic metadata lookups (each about 10% of `/api/health`'s time, docs/benchmarks.md).
public struct JSONObjectWriter {
    private var out: [UInt8]
    private var first = true

    public init(capacity: Int = 256) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    private init(buffer: [UInt8]) { out = buffer }

    public mutating func add(_ key: String, _ value: JSONValue) {
        separate(key)
        value.write(into: &out)
    }

    /// A value already written as JSON (shared by many bodies, written once).
    public mutating func add(_ key: String, json bytes: [UInt8]) {
        separate(key)
        out.append(contentsOf: bytes)
    }

    /// A nested object, written in place.
    public mutating func add(_ key: String, object fill: (inout JSONObjectWriter) -> Void) {
        separate(key)
        writeObject(fill)
    }

    /// Typed values, written without building a `JSONValue` first; nil is written as `null`.
    public mutating func add(_ key: String, string value: String?) {
        separate(key)
        if let value { JSONValue.writeString(value, into: &out) } else { writeNull() }
    }

    public mutating func add(_ key: String, int value: Int?) {
        separate(key)
        if let value { out.append(contentsOf: String(value).utf8) } else { writeNull() }
    }

    public mutating func add(_ key: String, double value: Double?) {
        separate(key)
        if let value { out.append(contentsOf: JSONValue.format(value).utf8) } else { writeNull() }
    }

    public mutating func add(_ key: String, bool value: Bool) {
        separate(key)
        out.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func add(_ key: String, strings: [String]) {
        separate(key)
        out.append(UInt8(ascii: "["))
        for (i, s) in strings.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(s, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// An array of objects, each written in place by `fill`.
    public mutating func add<T>(_ key: String, objects items: [T], _ fill: (inout JSONObjectWriter, T) -> Void) {
        separate(key)
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            writeObject { fill(&$0, item) }
        }
        out.append(UInt8(ascii: "]"))
    }

    public consuming func finished() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// An object written in place: the inner writer borrows this one's buffer while `fill` runs.
    private mutating func writeObject(_ fill: (inout JSONObjectWriter) -> Void) {
        var inner = JSONObjectWriter(buffer: [])
        swap(&inner.out, &out)
        inner.out.append(UInt8(ascii: "{"))
        fill(&inner)
        inner.out.append(UInt8(ascii: "}"))
        swap(&inner.out, &out)
    }

    private mutating func writeNull() { out.append(contentsOf: "null".utf8) }

    private mutating func separate(_ key: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }
}
