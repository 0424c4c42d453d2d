import AragoraCore
@testable import AragoraServer
import Foundation
import NIOCore
import Testing

@Suite struct DebateRecordResponseTests {
    @Test func theAliasIsSplicedIntoTheStoredRecord() async throws {
        let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                  config: DebateConfig(rounds: 1, consensus: .majority, seed: 2))
        let record = await engine.run(engine.newRecord(id: "deb_alias", question: "Alias \"me\"?"))
        let stored = try record.jsonBytes()
        let served = DebateRecordResponse.buffer(storedRecord: stored, id: record.id)
        let value = try #require(JSONValue.parse(bytes: Array(served.readableBytesView)))
        var expected = try #require(JSONValue.parse(bytes: stored)?.objectValue)
        expected["debate_id"] = .string(record.id)
        #expect(value == .object(expected), "exactly the stored record plus debate_id")
        let empty = DebateRecordResponse.buffer(storedRecord: Array("{}".utf8), id: "x")
        #expect(JSONValue.parse(bytes: Array(empty.readableBytesView)) == ["debate_id": "x"])
    }
}
