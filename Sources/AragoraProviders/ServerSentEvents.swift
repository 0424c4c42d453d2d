/// One event of a `text/event-stream`.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; nil for the default type (`message`).
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An incremental parser of server-sent events (the WHATWG rules): `field: value` lines, one leading space of the
/// value dropped, `:` comments ignored, `data` lines joined, an event dispatched at a blank line, events without
/// data dropped, unknown fields ignored. Feed it chunks as they arrive. An event not closed by a blank line when
/// the stream ends is not dispatched (the stream was cut).
public struct ServerSentEventParser: Sendable {
    private var lines = LineSplitter()
    private var pending = PendingEvent()

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var out: [ServerSentEvent] = []
        var splitter = lines, event = pending
        splitter.feed(bytes) { line in
            if let e = event.take(line) { out.append(e) }
        }
        lines = splitter
        pending = event
        return out
    }

    /// True when the stream ended in the middle of an event.
    public func endedMidEvent() -> Bool {
        lines.hasPartialLine || pending.isStarted
    }
}

/// The fields of the event being read.
private struct PendingEvent: Sendable {
    var event: String?
    var data: [String] = []
    var id: String?

    var isStarted: Bool { !data.isEmpty || event != nil }

    mutating func take(_ line: String) -> ServerSentEvent? {
        if line.isEmpty {
            defer { event = nil; data = [] }
            guard !data.isEmpty else { return nil }
            return ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            var v = line[line.index(after: colon)...]
            if v.hasPrefix(" ") { v = v.dropFirst() }
            value = v
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data": data.append(String(value))
        case "id" where !value.contains("\0"): id = String(value)
        default: break
        }
        return nil
    }
}
