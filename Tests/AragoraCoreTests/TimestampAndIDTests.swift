import AragoraCore
import Foundation
import Testing

@Suite struct TimestampAndIDTests {
    @Test func iso8601RoundTripsToTheMillisecond() {
        for t in [0.0, 1_795_924_162.353, 1_795_924_162.999, 1_700_000_000.001] {
            let text = Timestamp.iso8601(t)
            #expect(text.count == 24)
            #expect(Timestamp.parse(text) == t)
        }
        #expect(Timestamp.iso8601(1_795_924_162.2569999) == "2026-11-29T03:49:22.257Z")
        #expect(Timestamp.iso8601(-62_135_596_800.004) == "0000-12-31T23:59:59.996Z")
        #expect(Timestamp.iso8601(253_402_300_800.5) == "10000-01-01T00:00:00.500Z")
    }

    @Test func parsesOtherForms() {
        #expect(Timestamp.parse("1700000000.5") == 1_700_000_000.5)
        #expect(Timestamp.parse("2023-11-14T22:13:20Z") == 1_700_000_000)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test(arguments: ["deb_abc", "A-b_9", String(repeating: "x", count: 128)])
    func validIDs(_ id: String) { #expect(DebateID.isValid(id)) }

    @Test(arguments: ["", "has space", "semi;colon", "ünï", String(repeating: "x", count: 129)])
    func invalidIDs(_ id: String) { #expect(!DebateID.isValid(id)) }

    @Test func generatedIDsAreValidAndDistinct() {
        let ids = (0..<100).map { _ in DebateID.make() }
        #expect(ids.allSatisfy(DebateID.isValid))
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.hasPrefix("deb_") && $0.utf8.count == 24 })
        // Every base-36 digit turns up in both halves of an id (each half from its own random word).
        for half in [4..<14, 14..<24] {
            let digits = Set(ids.flatMap { Array($0.utf8)[half] })
            #expect(digits == Set("0123456789abcdefghijklmnopqrstuvwxyz".utf8))
        }
    }
}
