/// Splits a byte stream into lines as they complete, whatever the chunking: `\n`, `\r\n` and `\r` all end a line
/// (the server-sent events rule), a `\r\n` split across two chunks is one line end, and a line is decoded as UTF-8
/// only once whole, so a character split across chunks arrives intact.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    private var afterCR = false

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>, _ line: (String) throws -> Void) rethrows {
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                try emit(line)
            case 0x0D:
                afterCR = true
                try emit(line)
            default:
                pending.append(byte)
            }
        }
    }

    /// Bytes arrived after the last line end.
    public var hasPartialLine: Bool { !pending.isEmpty }

    /// What is left after the last line end (the stream ended mid-line), if anything.
    public mutating func remainder() -> String? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    private mutating func emit(_ line: (String) throws -> Void) rethrows {
        let text = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        try line(text)
    }
}
