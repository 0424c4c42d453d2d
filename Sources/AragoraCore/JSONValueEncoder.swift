/// Encodes any `Encodable` value into a `JSONValue` tree.
///
/// Each wire shape is defined once, by its `Codable` conformance (its snake_case keys in its `CodingKeys`);
/// this encoder lets the record, events and checkpoints be written by `JSONValue`'s byte-level serializer,
/// which `aragora-bench json` measures against Foundation's `JSONEncoder` (several times faster on Linux),
/// and `JSONShapeTests` proves both write the same document.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let direct = value as? JSONValue { return direct }
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.value
    }
}

extension JSONValue {
    /// `value` in its Codable shape.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONValueEncoder().encode(value)
    }
}

extension JSONValue {
    /// The Codable shape of a value whose encoding cannot fail (plain records of strings, numbers and
    /// `JSONValue`s, as every type of the debate record is).
    public init<T: Encodable>(shape value: T) {
        self = (try? JSONValueEncoder().encode(value)) ?? .null
    }
}

extension Encodable {
    /// Compact JSON of the value's Codable shape (sorted keys).
    public func jsonBytes() throws -> [UInt8] { try JSONValueEncoder().encode(self).bytes() }
    public func jsonString() throws -> String { try JSONValueEncoder().encode(self).serialized() }
}

/// A node of the tree being built: containers are filled in place, after their parent holds them.
private final class Node {
    enum Content {
        case scalar(JSONValue)
        case object([String: Node])
        case array([Node])
    }

    var content: Content = .scalar(.null)

    init() {}
    init(_ scalar: JSONValue) { content = .scalar(scalar) }

    var value: JSONValue {
        switch content {
        case .scalar(let v): return v
        case .object(let o): return .object(o.mapValues(\.value))
        case .array(let a): return .array(a.map(\.value))
        }
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func set(_ key: String, _ child: Node) {
        guard case .object(var o) = content else { return }
        content = .scalar(.null)  // drop the reference so the dictionary is mutated in place
        o[key] = child
        content = .object(o)
    }

    func append(_ child: Node) {
        guard case .array(var a) = content else { return }
        content = .scalar(.null)
        a.append(child)
        content = .array(a)
    }

    var count: Int {
        if case .array(let a) = content { return a.count }
        return 0
    }
}

/// Scalars become leaves directly; anything else encodes itself into a fresh node.
private func makeNode<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> Node {
    switch value {
    case let v as String: return Node(.string(v))
    case let v as Int: return Node(.int(v))
    case let v as Double: return Node(.double(v))
    case let v as Bool: return Node(.bool(v))
    case let v as JSONValue: return Node(v)
    default:
        let node = Node()
        try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
        return node
    }
}

private struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, codingPath: codingPath)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, Node(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, Node(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, Node(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.set(key.stringValue, Node(.double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, Node(.int(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, Node(.integer(value))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { node.set(key.stringValue, Node(.double(Double(value)))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(key.stringValue, try makeNode(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = Node()
        child.makeObject()
        node.set(key.stringValue, child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Node()
        child.makeArray()
        node.set(key.stringValue, child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Node()
        node.set(key.stringValue, child)
        return TreeEncoder(node: child, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.append(Node(.null)) }
    mutating func encode(_ value: Bool) throws { node.append(Node(.bool(value))) }
    mutating func encode(_ value: String) throws { node.append(Node(.string(value))) }
    mutating func encode(_ value: Double) throws { node.append(Node(.double(value))) }
    mutating func encode(_ value: Int) throws { node.append(Node(.int(value))) }
    mutating func encode(_ value: Int8) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: Int16) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: Int32) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: Int64) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: UInt) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: UInt8) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: UInt16) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: UInt32) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: UInt64) throws { node.append(Node(.integer(value))) }
    mutating func encode(_ value: Float) throws { node.append(Node(.double(Double(value)))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(try makeNode(value, codingPath: codingPath + [AnyKey(intValue: count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        child.makeObject()
        node.append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Node()
        child.makeArray()
        node.append(child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)])
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node()
        node.append(child)
        return TreeEncoder(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)])
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .scalar(.null) }
    mutating func encode(_ value: Bool) throws { node.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { node.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { node.content = .scalar(.double(value)) }
    mutating func encode(_ value: Int) throws { node.content = .scalar(.int(value)) }
    mutating func encode(_ value: Int8) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: Int16) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: Int32) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: Int64) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: UInt) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: UInt8) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: UInt16) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: UInt32) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: UInt64) throws { node.content = .scalar(.integer(value)) }
    mutating func encode(_ value: Float) throws { node.content = .scalar(.double(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.content = try makeNode(value, codingPath: codingPath).content
    }
}

extension JSONValue {
    /// An integer of any width: exact as `.int` when it fits, else the nearest double.
    static func integer<I: BinaryInteger>(_ value: I) -> JSONValue {
        if let i = Int(exactly: value) { return .int(i) }
        return .double(Double(value))
    }
}
