import NIOCore

/// A value of the Redis serialization protocol, version 2 (what Redis speaks unless a client asks for RESP3).
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// nil is the null bulk string.
    case bulkString([UInt8]?)
    /// nil is the null array.
    case array([RESPValue]?)

    public var string: String? {
        switch self {
        case .simpleString(let s): return s
        case .bulkString(let b?): return String(decoding: b, as: UTF8.self)
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    public var int: Int? {
        switch self {
        case .integer(let i): return i
        case .bulkString(let b?): return Int(String(decoding: b, as: UTF8.self))
        case .simpleString(let s): return Int(s)
        default: return nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let a?) = self { return a }
        return nil
    }

    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): return true
        default: return false
        }
    }
}

/// An error reply (`-ERR ...`, `-NOSCRIPT ...`, `-WRONGPASS ...`), or a connection-level failure.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    /// The reply's first word: `ERR`, `NOSCRIPT`, `WRONGPASS`, `NOAUTH`...
    public var code: String { String(message.prefix { $0 != " " }) }
    public var description: String { "redis: \(message)" }
}

enum RESPCodec {
    /// A command as RESP: an array of bulk strings.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }

    /// Parses one value from the front of `buffer`, consuming it; nil (and nothing consumed) when incomplete.
    /// Throws on bytes that are not RESP.
    static func decode(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parse(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    /// Nesting and sizes are bounded: a broken or hostile server cannot make the client allocate without limit.
    static let maxDepth = 32
    static let maxBulk = 512 * 1024 * 1024
    static let maxElements = 1 << 20

    private static func parse(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= maxDepth else { throw RedisError("protocol: nesting too deep") }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = line(in: buffer, from: buffer.readerIndex + 1) else { return nil }
        let text = line.text
        func advance() { buffer.moveReaderIndex(to: line.next) }
        switch type {
        case UInt8(ascii: "+"):
            advance()
            return .simpleString(text)
        case UInt8(ascii: "-"):
            advance()
            return .error(text)
        case UInt8(ascii: ":"):
            guard let n = Int(text) else { throw RedisError("protocol: bad integer \(text)") }
            advance()
            return .integer(n)
        case UInt8(ascii: "$"):
            guard let n = Int(text), n >= -1, n <= maxBulk else { throw RedisError("protocol: bad bulk length \(text)") }
            if n == -1 {
                advance()
                return .bulkString(nil)
            }
            guard buffer.writerIndex - line.next >= n + 2 else { return nil }
            advance()
            let bytes = buffer.readBytes(length: n)!
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let n = Int(text), n >= -1, n <= maxElements else { throw RedisError("protocol: bad array length \(text)") }
            advance()
            if n == -1 { return .array(nil) }
            var items: [RESPValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n {
                guard let item = try parse(&buffer, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw RedisError("protocol: unexpected type byte \(type)")
        }
    }

    /// The text up to `\r\n` starting at `start`, and where the next part begins.
    private static func line(in buffer: ByteBuffer, from start: Int) -> (text: String, next: Int)? {
        let view = buffer.readableBytesView
        let offset = start - buffer.readerIndex
        guard offset <= view.count else { return nil }
        var i = view.startIndex + offset
        while i + 1 < view.endIndex {
            if view[i] == 13 && view[i + 1] == 10 {
                let text = String(decoding: view[(view.startIndex + offset)..<i], as: UTF8.self)
                return (text, buffer.readerIndex + (i - view.startIndex) + 2)
            }
            i += 1
        }
        return nil
    }
}
