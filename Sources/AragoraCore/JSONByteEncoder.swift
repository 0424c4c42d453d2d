/// Writes any `Encodable` value straight to compact JSON bytes, with no intermediate tree.
///
/// Each wire shape is defined once, by its `Codable` conformance (its snake_case keys in its `CodingKeys`); this
/// encoder writes it on the hot paths (every checkpoint writes the record, every event its envelope).
/// `aragora-bench json` measures it against Foundation's `JSONEncoder` and `JSONShapeTests` proves both write the
/// same document. Keys come out in the order the type encodes them (JSON objects are unordered; the receipt's
/// canonical form, which must be sorted, is a `JSONValue`). Containers are written as they are filled, so a
/// type must finish a nested container before writing to its parent again: `nestedContainer` and
/// `superEncoder`, which would allow otherwise, are refused with an error (no type here uses them).
public struct JSONByteEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = Sink()
        sink.out.reserveCapacity(512)
        try sink.write(value)
        if let problem = sink.problem {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: problem))
        }
        return sink.out
    }
}

extension JSONValue {
    /// `value` in its Codable shape.
    public init<T: Encodable>(encoding value: T) throws {
        let bytes = try JSONByteEncoder().encode(value)
        guard let parsed = JSONValue.parse(bytes: bytes) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not representable as JSON"))
        }
        self = parsed
    }

    /// The Codable shape of a value whose encoding cannot fail (plain records of strings, numbers and
    /// `JSONValue`s, as every type of the debate record is).
    public init<T: Encodable>(shape value: T) {
        self = (try? JSONValue(encoding: value)) ?? .null
    }
}

extension Encodable {
    /// Compact JSON of the value's Codable shape.
    public func jsonBytes() throws -> [UInt8] { try JSONByteEncoder().encode(self) }
    public func jsonString() throws -> String { String(decoding: try jsonBytes(), as: UTF8.self) }
}

/// The output, shared by every container of one encoding.
private final class Sink {
    var out: [UInt8] = []
    var problem: String?

    /// Writes one value completely: whatever container it opened is closed when its `encode(to:)` returns.
    func write<T: Encodable>(_ value: T) throws {
        // A metatype check, not a dynamic cast: open payloads are already JSON.
        if T.self == JSONValue.self {
            (value as! JSONValue).write(into: &out)
            return
        }
        let frame = Frame()
        try value.encode(to: ByteEncoder(sink: self, frame: frame))
        switch frame.kind {
        case .none: if !frame.wroteValue { out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
        case .object: out.append(UInt8(ascii: "}"))
        case .array: out.append(UInt8(ascii: "]"))
        }
    }

    func refuse(_ what: String) {
        if problem == nil { problem = "\(what) is not supported by JSONByteEncoder" }
    }

    func key(_ key: String, first: inout Bool) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    func separator(first: inout Bool) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
    }

    func null() { out.append(contentsOf: [110, 117, 108, 108]) }
    func bool(_ b: Bool) { out.append(contentsOf: b ? [116, 114, 117, 101] : [102, 97, 108, 115, 101]) }
    func string(_ s: String) { JSONValue.writeString(s, into: &out) }
    func double(_ d: Double) { out.append(contentsOf: JSONValue.format(d).utf8) }
    func integer<I: BinaryInteger>(_ i: I) { out.append(contentsOf: String(i).utf8) }
}

/// The container a value opened, closed by `Sink.write` once the value is written.
private final class Frame {
    enum Kind { case none, object, array }
    var kind = Kind.none
    var first = true
    var wroteValue = false
    var count = 0
}

private struct ByteEncoder: Encoder {
    let sink: Sink
    let frame: Frame
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.object, UInt8(ascii: "{"))
        return KeyedEncodingContainer(KeyedWriter<Key>(sink: sink, frame: frame))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        open(.array, UInt8(ascii: "["))
        return UnkeyedWriter(sink: sink, frame: frame)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleWriter(sink: sink, frame: frame)
    }

    private func open(_ kind: Frame.Kind, _ byte: UInt8) {
        guard frame.kind == .none else {
            if frame.kind != kind { sink.refuse("mixing container kinds in one value") }
            return
        }
        frame.kind = kind
        sink.out.append(byte)
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: Sink
    let frame: Frame
    var codingPath: [any CodingKey] { [] }

    private func key(_ key: Key) { sink.key(key.stringValue, first: &frame.first) }

    mutating func encodeNil(forKey k: Key) throws { key(k); sink.null() }
    mutating func encode(_ v: Bool, forKey k: Key) throws { key(k); sink.bool(v) }
    mutating func encode(_ v: String, forKey k: Key) throws { key(k); sink.string(v) }
    mutating func encode(_ v: Double, forKey k: Key) throws { key(k); sink.double(v) }
    mutating func encode(_ v: Float, forKey k: Key) throws { key(k); sink.double(Double(v)) }
    mutating func encode(_ v: Int, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: Int8, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: Int16, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: Int32, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: Int64, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: UInt, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: UInt8, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: UInt16, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: UInt32, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode(_ v: UInt64, forKey k: Key) throws { key(k); sink.integer(v) }
    mutating func encode<T: Encodable>(_ v: T, forKey k: Key) throws { key(k); try sink.write(v) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        sink.refuse("nestedContainer")
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: Sink(), frame: Frame()))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        sink.refuse("nestedUnkeyedContainer")
        return UnkeyedWriter(sink: Sink(), frame: Frame())
    }

    mutating func superEncoder() -> any Encoder {
        sink.refuse("superEncoder")
        return ByteEncoder(sink: Sink(), frame: Frame())
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let sink: Sink
    let frame: Frame
    var codingPath: [any CodingKey] { [] }
    var count: Int { frame.count }

    private func next() {
        sink.separator(first: &frame.first)
        frame.count += 1
    }

    mutating func encodeNil() throws { next(); sink.null() }
    mutating func encode(_ v: Bool) throws { next(); sink.bool(v) }
    mutating func encode(_ v: String) throws { next(); sink.string(v) }
    mutating func encode(_ v: Double) throws { next(); sink.double(v) }
    mutating func encode(_ v: Float) throws { next(); sink.double(Double(v)) }
    mutating func encode(_ v: Int) throws { next(); sink.integer(v) }
    mutating func encode(_ v: Int8) throws { next(); sink.integer(v) }
    mutating func encode(_ v: Int16) throws { next(); sink.integer(v) }
    mutating func encode(_ v: Int32) throws { next(); sink.integer(v) }
    mutating func encode(_ v: Int64) throws { next(); sink.integer(v) }
    mutating func encode(_ v: UInt) throws { next(); sink.integer(v) }
    mutating func encode(_ v: UInt8) throws { next(); sink.integer(v) }
    mutating func encode(_ v: UInt16) throws { next(); sink.integer(v) }
    mutating func encode(_ v: UInt32) throws { next(); sink.integer(v) }
    mutating func encode(_ v: UInt64) throws { next(); sink.integer(v) }
    mutating func encode<T: Encodable>(_ v: T) throws { next(); try sink.write(v) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        sink.refuse("nestedContainer")
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: Sink(), frame: Frame()))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.refuse("nestedUnkeyedContainer")
        return UnkeyedWriter(sink: Sink(), frame: Frame())
    }

    mutating func superEncoder() -> any Encoder {
        sink.refuse("superEncoder")
        return ByteEncoder(sink: Sink(), frame: Frame())
    }
}

private struct SingleWriter: SingleValueEncodingContainer {
    let sink: Sink
    let frame: Frame
    var codingPath: [any CodingKey] { [] }

    /// One value per single-value container.
    private func once() {
        if frame.wroteValue || frame.kind != .none { sink.refuse("writing a single value twice") }
        frame.wroteValue = true
    }

    mutating func encodeNil() throws { once(); sink.null() }
    mutating func encode(_ v: Bool) throws { once(); sink.bool(v) }
    mutating func encode(_ v: String) throws { once(); sink.string(v) }
    mutating func encode(_ v: Double) throws { once(); sink.double(v) }
    mutating func encode(_ v: Float) throws { once(); sink.double(Double(v)) }
    mutating func encode(_ v: Int) throws { once(); sink.integer(v) }
    mutating func encode(_ v: Int8) throws { once(); sink.integer(v) }
    mutating func encode(_ v: Int16) throws { once(); sink.integer(v) }
    mutating func encode(_ v: Int32) throws { once(); sink.integer(v) }
    mutating func encode(_ v: Int64) throws { once(); sink.integer(v) }
    mutating func encode(_ v: UInt) throws { once(); sink.integer(v) }
    mutating func encode(_ v: UInt8) throws { once(); sink.integer(v) }
    mutating func encode(_ v: UInt16) throws { once(); sink.integer(v) }
    mutating func encode(_ v: UInt32) throws { once(); sink.integer(v) }
    mutating func encode(_ v: UInt64) throws { once(); sink.integer(v) }
    mutating func encode<T: Encodable>(_ v: T) throws { once(); try sink.write(v) }
}
