import AragoraProviders
import Testing

@Suite("Server-sent events")
struct ServerSentEventTests {
    /// Feeds `text` in chunks of `size` bytes and collects what the parser dispatched.
    static func parse(_ text: String, chunk size: Int) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        let bytes = Array(text.utf8)
        var out: [ServerSentEvent] = []
        var i = 0
        while i < bytes.count {
            out += parser.feed(bytes[i..<min(bytes.count, i + size)])
            i += size
        }
        return out
    }

    @Test("the same events whatever the chunking, CR, LF and CRLF line ends alike", arguments: [1, 2, 3, 7, 1000])
    func chunking(size: Int) {
        let text = ": a comment\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: first\ndata: second\n\nid: 7\rdata:  two spaces\r\rdata: caf\u{00e9}\n\n"
        let events = Self.parse(text, chunk: size)
        #expect(events == [
            ServerSentEvent(event: "message_start", data: #"{"a":1}"#),
            ServerSentEvent(data: "first\nsecond"),
            ServerSentEvent(data: " two spaces", id: "7"),
            ServerSentEvent(data: "caf\u{00e9}", id: "7"),
        ])
    }

    @Test("events without data are dropped; a field without a colon has an empty value; unknown fields are ignored")
    func edgeCases() {
        #expect(Self.parse("event: ping\n\n", chunk: 4).isEmpty)
        #expect(Self.parse("data\n\n", chunk: 4) == [ServerSentEvent(data: "")])
        #expect(Self.parse("retry: 10\nfoo: bar\ndata: x\n\n", chunk: 3) == [ServerSentEvent(data: "x")])
    }

    @Test("a stream cut mid-event is noticed and its event not dispatched")
    func cut() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: {\"partial\"".utf8)).isEmpty)
        #expect(parser.endedMidEvent())
        var whole = ServerSentEventParser()
        _ = whole.feed(Array("data: x\n\n".utf8))
        #expect(!whole.endedMidEvent())
    }

    @Test("lines split on every line end; a multi-byte character split across chunks arrives whole")
    func lines() {
        var splitter = LineSplitter()
        var got: [String] = []
        let bytes = Array("{\"a\":\"\u{00e9}\"}\r\n{\"b\":2}\n".utf8)
        for b in bytes { splitter.feed([b]) { got.append($0) } }
        #expect(got == ["{\"a\":\"\u{00e9}\"}", "{\"b\":2}"])
        #expect(splitter.remainder() == nil)
    }
}
