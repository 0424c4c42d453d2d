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
    }
}
