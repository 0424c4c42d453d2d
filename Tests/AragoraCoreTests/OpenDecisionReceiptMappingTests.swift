import AragoraCore
import Foundation
import Testing

/// The record -> ODR mapping says only what the record holds, and our verifier catches each kind of edit. That
/// `aragora-verify` itself accepts and rejects the same documents is AragoraServerTests/OpenDecisionReceiptTests.
@Suite struct OpenDecisionReceiptMappingTests {
    let signer = ReceiptSigner()

    func debate(_ config: DebateConfig, question: String = "Should we adopt a monorepo?") async -> DebateRecord {
        let engine = DebateEngine(agents: demoPanel(), config: config, signer: signer)
        return await engine.run(engine.newRecord(id: "deb_odr\(config.seed)", question: question))
    }

    func odr(_ record: DebateRecord) throws -> JSONValue { try signer.signODR(record) }

    func verify(_ doc: JSONValue, key: ReceiptSigner? = nil) -> OpenDecisionReceiptVerifier.Result {
        OpenDecisionReceiptVerifier.verify(doc, publicKey: try? ReceiptPublicKey.parse(Data(hex: (key ?? signer).publicKeyHex)!))
    }

    func edited(_ doc: JSONValue, _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
        var members = doc.objectValue!
        change(&members)
        return .object(members)
    }

    @Test func aMajorityDebateMapsWhatTheRecordHolds() async throws {
        let r = await debate(DebateConfig(rounds: 2, consensus: .majority, seed: 3))
        let doc = try odr(r)
        let c = try #require(r.consensus)
        #expect(doc["claim"]?["verdict"] == (c.reached ? "consensus" : "no_consensus"))
        #expect(doc["claim"]?["statement"]?.stringValue == c.finalAnswer)
        #expect(doc["subject"]?["digest"]?["value"]?.stringValue == Receipt.sha256Hex(r.task))
        #expect(doc["issued_at"]?.stringValue == Timestamp.iso8601(r.completedAt!))
        #expect(doc["quorum"]?["supporting_agents"] == JSONValue(c.supportingAgents))
        #expect(doc["quorum"]?["participants"]?.arrayValue?.compactMap { $0["agent"]?.stringValue } == r.agents.map(\.name))
        #expect(doc["quorum"]?["independence"]?["distinct_model_families"] == 1)
        #expect(doc["quorum"]?["verdicts"]?.arrayValue?.count == r.votes.filter { $0.round == r.roundsUsed }.count)
        #expect(doc["confidence"]?["value"]?.doubleValue == c.confidence)
        #expect(doc["confidence"]?["calibration"]?["status"] == "absent", "nothing calibrated it")
        #expect(doc["cruxes"]?["items"]?.arrayValue?.count == 3)
        let top = r.critiques.map(\.severity).max()
        #expect(doc["cruxes"]?["items"]?.arrayValue?.first?["severity"]?.doubleValue == top)
        #expect(doc["source"]?["artifact_hash"]?.stringValue == "sha256:" + r.receipt!.digest)
        #expect(doc["attestation"]?["disposition"] == "autonomous")
        #expect(try odr(r) == doc, "the same record and key give the same receipt")
        #expect(verify(doc).exitCode == 0)
    }

    /// No quorum of valid votes: no consensus, no confidence (absent, with the reason), everyone dissents.
    @Test func noConsensusHasNoConfidence() async throws {
        let r = await debate(DebateConfig(rounds: 1, consensus: .majority, seed: 5, quorum: 10))
        let doc = try odr(r)
        #expect(doc["claim"]?["verdict"] == "no_consensus")
        #expect(doc["confidence"]?["status"] == "absent")
        #expect(doc["confidence"]?["reason"]?.stringValue?.contains("10 needed") == true, "\(doc["confidence"] ?? .null)")
        #expect(doc["quorum"]?["reached"] == false)
        #expect(doc["quorum"]?["dissent"]?["present"] == true)
        #expect(verify(doc).exitCode == 0)
    }

    /// Method none: no vote, so no quorum block and no confidence, though the record carries a textual agreement.
    @Test func noVoteHasNoQuorumAndNoConfidence() async throws {
        let r = await debate(DebateConfig(rounds: 1, consensus: .none, seed: 6))
        #expect(r.consensus?.confidence != nil)
        let doc = try odr(r)
        #expect(doc["claim"]?["verdict"] == "no_vote")
        #expect(doc["quorum"]?["status"] == "absent")
        #expect(doc["confidence"]?["status"] == "absent")
        #expect(verify(doc).exitCode == 0)
    }

    @Test func withoutCritiquesThereAreNoCruxes() async throws {
        var r = await debate(DebateConfig(rounds: 1, consensus: .majority, seed: 7))
        r.critiques = []
        let doc = try odr(r)
        #expect(doc["cruxes"] == ["status": "absent", "reason": "no critiques were recorded"])
        #expect(verify(doc).exitCode == 0)
    }

    /// Only a record that still says what its own signed receipt says is exported.
    @Test func anEditedRecordOrAnUnfinishedOneIsNotExported() async throws {
        var r = await debate(DebateConfig(rounds: 1, consensus: .majority, seed: 8))
        r.consensus?.finalAnswer += "!"
        #expect(throws: OpenDecisionReceipt.ExportError.recordMismatch("its final answer differs from the signed one")) { try odr(r) }
        r.receipt = nil
        #expect(throws: OpenDecisionReceipt.ExportError.notFinished(.completed)) { try odr(r) }
    }

    @Test func eachEditIsCaughtForItsReason() async throws {
        let r = await debate(DebateConfig(rounds: 1, consensus: .majority, seed: 9))
        let doc = try odr(r)
        #expect(verify(doc).checks.map(\.status) == [.pass, .pass, .pass, .pass])
        let noKey = OpenDecisionReceiptVerifier.verify(doc, publicKey: nil)
        #expect(noKey.exitCode == 3 && noKey.authenticityUnverified)

        let answer = edited(doc) { d in
            var claim = d["claim"]!.objectValue!
            claim["statement"] = .string(claim["statement"]!.stringValue!.replacingOccurrences(of: "a", with: "o", options: [], range: nil))
            d["claim"] = .object(claim)
        }
        #expect(verify(answer).failures.map(\.name) == ["signature"])
        #expect(verify(answer).exitCode == 1)

        let impostor = edited(doc) { d in
            var q = d["quorum"]!.objectValue!
            var supporting = q["supporting_agents"]!.arrayValue!
            supporting[0] = "demo-impostor"
            q["supporting_agents"] = .array(supporting)
            d["quorum"] = .object(q)
        }
        #expect(verify(impostor).failures.map(\.name) == ["quorum_consistency", "signature"])

        let other = ReceiptSigner()
        #expect(verify(try other.signODR(r)).failures.map(\.name) == ["signature"])
        #expect(verify(try other.signODR(r), key: other).exitCode == 0)

        let missing = edited(doc) { $0["cruxes"] = nil }
        #expect(verify(missing).failures.map(\.name) == ["schema_conformance"])
        #expect(verify(missing).failures.first?.detail.contains("cruxes: required") == true)

        // The digest leaves the signatures out: signing does not change what is signed.
        #expect(try OpenDecisionReceipt.digest(of: doc.objectValue!) == OpenDecisionReceipt.digest(of: OpenDecisionReceipt.document(of: r)))
    }

    @Test func publicKeysAreReadInEveryForm() throws {
        let raw = Data(hex: signer.publicKeyHex)!
        let forms: [Data] = [Data(signer.publicKeyPEM.utf8), raw, Data(signer.publicKeyHex.utf8), Data(raw.base64EncodedString().utf8),
                             Data(ReceiptPublicKey.spkiDER(raw: raw)), Data(ReceiptPublicKey.spkiDER(raw: raw).base64EncodedString().utf8)]
        for form in forms { #expect(try ReceiptPublicKey.parse(form).rawRepresentation == raw) }
        #expect(throws: ReceiptKeyError.self) { try ReceiptPublicKey.parse(Data("not a key".utf8)) }
        #expect(signer.keyID.hasPrefix("ed25519-") && signer.keyID.count == 24)
    }
}
