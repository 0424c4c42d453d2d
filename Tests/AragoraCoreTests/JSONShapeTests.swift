import AragoraCore
import Foundation
import Testing

/// Each wire shape is defined once, by Codable. The fast path (`JSONByteEncoder`) must write exactly what
/// Foundation's `JSONEncoder` writes for the same definition (as JSON values: key order aside), and read back.
@Suite struct JSONShapeTests {
    static func finishedDebate() async -> (DebateRecord, [DebateEvent]) {
        let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                  config: DebateConfig(rounds: 2, consensus: .judge, seed: 3), signer: ReceiptSigner())
        var record = engine.newRecord(id: "deb_shape", question: "Is one shape enough?", context: "with \"quotes\"\nand lines",
                                      metadata: ["team": "core", "n": 3, "nested": ["a": [true, .null]]])
        record.judge = record.agents.first
        let log = EventLog()
        let final = await engine.run(record, sink: log.sink)
        return (final, log.events)
    }

    static func foundation<T: Encodable>(_ value: T) throws -> JSONValue {
        try #require(JSONValue.parse(try JSONEncoder().encode(value)))
    }

    @Test func theRecordIsWrittenAsFoundationWritesIt() async throws {
        let (record, _) = await Self.finishedDebate()
        #expect(record.receipt != nil)
        let fast = try JSONValue(encoding: record)
        #expect(fast == (try Self.foundation(record)))
        #expect(try DebateRecord.decode(Data(fast.bytes())) == record, "and reads back as the same record")
        #expect(try DebateRecord.decode(Data(record.jsonBytes())) == record)
        for key in ["id", "task", "status", "consensus_reached", "confidence", "final_answer", "duration_seconds", "round_summaries"] {
            #expect(fast[key] != nil, "\(key) is part of the shape")
        }
        #expect(fast["debate_id"] == nil, "API aliases belong to the server")
        #expect(fast["error"] == .null, "absent optionals are written as null")
    }

    /// `storedJSON` writes the record by hand: byte for byte what the Codable shape writes, for debates as the engine
    /// leaves them and for a record with every optional present, and one with none.
    @Test func theStoredRecordIsItsCodableShapeByteForByte() async throws {
        let (judged, _) = await Self.finishedDebate()
        let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                  config: DebateConfig(rounds: 3, consensus: .majority, seed: 11, earlyStop: false, blind: true, quorum: 2))
        let blind = await engine.run(engine.newRecord(id: "deb_blind", question: "Blind?", context: nil, metadata: [:]), sink: { _ in })
        #expect(!blind.reviewLabels.isEmpty)

        var full = judged
        full.agents[0].persona = nil
        full.agents.append(AgentIdentity(name: "extra", provider: "openai", model: "m", role: "critic", persona: "p"))
        full.consensus?.confidence = nil
        full.consensus?.dissent = [Dissent(agent: "a", choice: nil, reason: "r\u{1}"), Dissent(agent: "b", choice: "c", reason: "")]
        full.consensus?.validVotes = 2
        full.consensus?.quorum = 3
        full.failures = [AgentFailure(agent: "a", round: 1, phase: .vote, error: "e\t", removed: true, kind: "timeout"),
                         AgentFailure(agent: "b", round: 2, phase: .critique, error: "", removed: false)]
        full.roundSummaries.append(RoundSummary(round: 9, convergence: "initial", similarity: ["x": 0.1 + 0.2, "y": 1e20],
                                                consensusReached: true, critiques: .init(valid: 1, requested: 2, repaired: 1)))
        full.usage.estimated = true
        full.agentUsage = ["a": TokenUsage(inputTokens: 1, outputTokens: 2, costUSD: 0.000_123), "b": TokenUsage(estimated: true)]
        full.error = "budget exceeded"
        full.instanceID = "inst_1"
        full.quorum = 2
        full.seed = .max
        full.votes.append(Vote(agent: "ü", choice: "日本", confidence: -0.5, reasoning: "\"q\"\\", round: 1))

        let empty = DebateRecord(id: "deb_new", task: "", agents: [], rounds: 1, consensusMethod: .majority, seed: 0, createdAt: 1.5)
        for record in [judged, blind, full, empty] {
            let stored = record.storedJSON()
            #expect(String(decoding: stored, as: UTF8.self) == (try record.jsonString()), "\(record.id)")
            #expect(try DebateRecord.decode(Data(stored)) == record)
        }
    }

    @Test func eventsAndProgressToo() async throws {
        let (_, events) = await Self.finishedDebate()
        #expect(!events.isEmpty)
        for e in events {
            let fast = try JSONValue(encoding: e)
            #expect(fast == (try Self.foundation(e)))
            #expect(DebateEvent.decode(e.serialized()) == e)
            // `serialized` writes the envelope by hand: byte for byte what the Codable shape writes.
            #expect(e.serialized() == (try e.jsonString()))
            for key in ["type", "data", "timestamp", "round", "agent", "seq", "agent_seq", "loop_id"] { #expect(fast[key] != nil) }
        }
        let bare = DebateEvent(type: .error, data: .null, timestamp: 0.1 + 0.2, round: nil, agent: nil, seq: 0, agentSeq: nil,
                               loopID: "l\"1")
        #expect(bare.serialized() == (try bare.jsonString()), "absent values are null")
        let progress = DebateCheckpoint.Progress(round: 2, step: .critique, active: ["a", "b"], consecutiveFailures: ["c": 1],
                                                 seq: 9, agentSeq: ["a": 4])
        #expect(try JSONValue(encoding: progress) == (try Self.foundation(progress)))
    }

    @Test func everyIntegerWidthAndNesting() throws {
        struct Odd: Encodable {
            var u8: UInt8 = 255, i64: Int64 = -9, u64: UInt64 = .max, f: Float = 0.5, nested = [[1, 2], [3]]
            var optional: String? = nil, dict = ["k": ["v": 1.25]]
        }
        #expect(try JSONValue(encoding: Odd()) == (try Self.foundation(Odd())))
        #expect(String(decoding: try Odd().jsonBytes(), as: UTF8.self).contains("18446744073709551615"), "integers exactly")
    }

    @Test func nestedContainersAreRefusedNotMangled() {
        struct Nested: Encodable {
            enum K: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                var inner = c.nestedContainer(keyedBy: K.self, forKey: .a)
                try inner.encode(1, forKey: .b)
            }
        }
        #expect(throws: EncodingError.self) { _ = try Nested().jsonBytes() }
    }

    @Test func theObjectWriterWritesFieldsInOrderAndNestsInPlace() {
        var w = JSONObjectWriter()
        w.add("status", "ok \"quoted\"")
        w.add("checks") { c in
            c.add("db", ["healthy": true, "latency_ms": 0.5])
            c.add("empty") { _ in }
            c.add("n", .int(3))
        }
        w.add("last", .null)
        let text = String(decoding: w.finished(), as: UTF8.self)
        #expect(text == #"{"status":"ok \"quoted\"","checks":{"db":{"healthy":true,"latency_ms":0.5},"empty":{},"n":3},"last":null}"#)
        #expect(JSONValue.parse(text)?["checks"]?["n"] == 3)
    }
}
