import AragoraCore
import Foundation
import Synchronization

/// The hand-written JSON paths against Foundation's, on the documents the service handles: a finished
/// record (written at every checkpoint), an event envelope (written for every event), a small agent reply
/// (parsed for every critique and vote) and the stored record (parsed when read back).
enum JSONBench {
    static func time(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<7 {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try body() }
            samples.append((ContinuousClock.now - start).seconds * 1e6 / Double(iterations))
        }
        return Stats.median(samples)
    }

    static func compare(_ name: String, _ iterations: Int, ours: () throws -> Void, foundation: () throws -> Void) rethrows {
        let a = try time(iterations, ours)
        let b = try time(iterations, foundation)
        print("  \(name): \(Stats.f(a, 1)) µs vs Foundation \(Stats.f(b, 1)) µs · Foundation / ours = \(Stats.f(b / a, 2))")
    }

    static func run(quick: Bool) async throws {
        let n = quick ? 200 : 2000
        let engine = EngineBench.engine(latency: .zero)
        let record = await EngineBench.debate(engine, id: "deb_json")
        let events = EventCollector()
        _ = await engine.run(engine.newRecord(id: "deb_json_e", question: "Should we adopt a monorepo?"), sink: events.sink)
        let event = events.all.first { $0.type == .critique }!
        let recordBytes = try record.jsonBytes()
        let reply = Array(#"{"issues": ["the plan has no rollback", "costs are unclear"], "suggestions": ["stage it"], "severity": 7}"#.utf8)
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        print("json: hand-written paths vs Foundation (median of 7 × \(n), per document; record \(recordBytes.count) bytes)")
        try compare("write finished record (storedJSON, every checkpoint)", n / 4, ours: { _ = record.storedJSON() },
                    foundation: { _ = try sorted.encode(record) })
        try compare("encode finished record (JSONByteEncoder)", n / 4, ours: { _ = try record.jsonBytes() },
                    foundation: { _ = try sorted.encode(record) })
        try compare("encode event envelope", n * 5, ours: { _ = event.serialized() }, foundation: { _ = try sorted.encode(event) })
        try compare("parse agent reply to JSONValue", n * 5, ours: { _ = JSONValue.parse(bytes: reply) },
                    foundation: { _ = try JSONDecoder().decode(JSONValue.self, from: Data(reply)) })
        try compare("parse stored record to JSONValue", n / 4, ours: { _ = JSONValue.parse(bytes: recordBytes) },
                    foundation: { _ = try JSONDecoder().decode(JSONValue.self, from: Data(recordBytes)) })
    }
}

final class EventCollector: Sendable {
    private let events = Mutex<[DebateEvent]>([])
    var sink: DebateEventSink { { [self] e in events.withLock { $0.append(e) } } }
    var all: [DebateEvent] { events.withLock { $0 } }
}
