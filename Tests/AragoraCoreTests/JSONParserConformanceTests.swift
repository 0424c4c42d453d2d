import AragoraCore
import Foundation
import Testing

/// JSONTestSuite's parsing cases (`Tests/Fixtures/JSONTestSuite`): every `y_` document is accepted and reads
/// back as Foundation reads it; every `n_` document is refused.
@Suite struct JSONParserConformanceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/JSONTestSuite").standardized

    static func cases(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases("y_").count == 95)
        #expect(Self.cases("n_").count == 188)
    }

    @Test(arguments: cases("y_"))
    func accepts(_ name: String) throws {
        let data = try Self.bytes(name)
        let parsed = try #require(JSONValue.parse(bytes: data), "refused a valid document")
        // The same value Foundation's parser reads (numbers compare by value). With a duplicated key the last
        // one wins here, as in Python and JavaScript; Foundation keeps the first.
        if name != "y_object_duplicated_key.json", let foundation = try? JSONDecoder().decode(JSONValue.self, from: Data(data)) {
            #expect(parsed == foundation)
        }
    }

    @Test(arguments: cases("n_"))
    func refuses(_ name: String) throws {
        #expect(JSONValue.parse(bytes: try Self.bytes(name)) == nil, "accepted an invalid document")
    }

    @Test(arguments: ["01", "+1", ".5", "1.", "-", "1e", "1e+", "-01", "0x10", "1.0e", "[1,]", "{\"a\":1,}", "\"\\x\""])
    func refusesWhatTheOldParserTook(_ text: String) {
        #expect(JSONValue.parse(text) == nil)
    }

    @Test func readsNumbersExactly() {
        #expect(JSONValue.parse("[0, -0, 12, -3.5, 1e2, 2E-2, 123456789012]") ==
                [.int(0), .int(0), .int(12), .double(-3.5), .double(100), .double(0.02), .int(123_456_789_012)])
    }
}
