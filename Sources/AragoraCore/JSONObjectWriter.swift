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
        var inner = JSONObjectWriter(buffer: [])
        swap(&inner.out, &out)
        inner.out.append(UInt8(ascii: "{"))
        fill(&inner)
        inner.out.append(UInt8(ascii: "}"))
        swap(&inner.out, &out)
    }

    public consuming func finished() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func separate(_ key: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }
}
