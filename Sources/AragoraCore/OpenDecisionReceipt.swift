import Crypto
import Foundation

/// A finished debate as an Open Decision Receipt (ODR content profile v0.2): the portable format the original
/// Aragora's offline verifier, `aragora-verify`, checks. The mapping from our record is decided here and only here
/// (docs/receipts.md has it as a table). Where the record holds no value, the ODR block is an absent marker with the
/// reason, never an invented value: no confidence unless someone gave one, no cruxes without critiques.
///
/// Signing (spec §6, v0.2): the digest is SHA-256 over the RFC 8785 bytes of the document without `signatures`; each
/// signature covers the JCS bytes of `{odr_digest, odr_signature_input: "0.2", protected}`, where `protected` is the
/// signature entry without its `signature`, so the issuer and role are signed too.
public enum OpenDecisionReceipt {
    public static let version = "0.2"
    public static let profile = "https://aragora.ai/specs/open-decision-receipt/v0.2"
    public static let issuer = "aragora"
    public static let system = "aragora-swift"
    /// At most this many critiques are listed as cruxes: the most severe.
    public static let maxCruxes = 3

    public enum ExportError: Error, Equatable, CustomStringConvertible {
        /// The debate has no native receipt: it has not finished (or was never signed).
        case notFinished(DebateStatus)
        /// The record no longer says what its signed receipt says (edited in the store), or the receipt is broken.
        case recordMismatch(String)

        public var description: String {
            switch self {
            case .notFinished(let status): return "the debate has no receipt yet (status \(status.rawValue))"
            case .recordMismatch(let why): return "the stored record does not match its signed receipt: \(why)"
            }
        }
    }

    /// The unsigned document (`signatures` empty). Only a record whose own receipt is intact and agrees with it on
    /// what the ODR asserts (question, outcome, answer, supporters, dissenters) is exported.
    public static func document(of record: DebateRecord) throws -> [String: JSONValue] {
        guard let receipt = record.receipt else { throw ExportError.notFinished(record.status) }
        try checkAgreement(record, receipt)
        let consensus = record.consensus
        let voted = consensus.map { $0.method != .none } ?? false
        return [
            "odr_version": .string(version),
            "profile": .string(profile),
            "receipt_id": .string(record.id),
            // When our receipt was issued: the debate's end (null only if the record has none).
            "issued_at": record.completedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
            "subject": [
                "identifier": .string(record.id),
                "digest": ["status": "present", "alg": "sha-256", "value": .string(Receipt.sha256Hex(record.task))],
                "summary": .string(record.task),
            ],
            "claim": ["verdict": .string(verdict(record)), "statement": statement(record)],
            "reasoning": reasoning(record),
            "quorum": voted ? quorum(record, consensus!) : absent(noVoteReason(record)),
            "confidence": confidence(record),
            "cruxes": cruxes(record),
            "attestation": attestation(record),
            "routing": ["status": "reserved"],
            "source": [
                "system": .string(system), "schema": "aragora-receipt", "schema_version": .string(String(receipt.version)),
                "receipt_id": .string(record.id), "artifact_hash": .string("sha256:" + receipt.digest),
            ],
            "signatures": [],
        ]
    }

    /// SHA-256 (hex) of the JCS bytes of `document` without `signatures`: what every signature covers.
    public static func digest(of document: [String: JSONValue]) throws -> String {
        var members = document
        members["signatures"] = nil
        return SHA256.hash(data: try CanonicalJSON.bytes(.object(members))).hexString
    }

    /// The bytes a v0.2 signature signs: JCS of the digest, the domain separator and the entry without `signature`.
    public static func signatureMessage(digest: String, protected: [String: JSONValue]) throws -> [UInt8] {
        try CanonicalJSON.bytes(["odr_digest": .string(digest), "odr_signature_input": .string(version), "protected": .object(protected)])
    }

    // MARK: - Mapping

    static func verdict(_ r: DebateRecord) -> String {
        guard r.status == .completed else { return r.status.rawValue }  // cancelled, timeout, error
        guard let c = r.consensus else { return "no_consensus" }
        if c.method == .none { return "no_vote" }
        return c.reached ? "consensus" : "no_consensus"
    }

    static func statement(_ r: DebateRecord) -> JSONValue {
        if let answer = r.finalAnswer, !answer.isEmpty { return .string(answer) }
        return absent("the debate ended (\(r.status.rawValue)) without a final answer")
    }

    /// How the outcome was decided (the consensus summary), with each failed step as an observation; for a debate
    /// stopped before deciding, why it stopped.
    static func reasoning(_ r: DebateRecord) -> JSONValue {
        let summary = r.consensus?.summary ?? r.error.map { "\(r.status.rawValue): \($0)" }
        guard let summary, !summary.isEmpty else { return absent("the record explains no decision") }
        var block: [String: JSONValue] = ["status": "present", "summary": .string(summary)]
        if !r.failures.isEmpty {
            block["observations"] = .array(r.failures.map { f in
                let what = "\(f.agent), round \(f.round), \(f.phase.rawValue): \(f.error)" + (f.removed ? " (removed from the panel)" : "")
                return ["kind": f.kind == "timeout" ? "timeout" : "failure", "family": .string(family(of: f.agent, in: r)),
                        "detail": .string(what)]
            })
        }
        return .object(block)
    }

    static func quorum(_ r: DebateRecord, _ c: ConsensusResult) -> JSONValue {
        let people = participants(r)
        let families = people.map(\.family)
        let models = Set(people.map(\.model)).sorted()
        var note = "\(people.count) participants on \(Set(families).count) provider(s); models: \(models.joined(separator: ", "))"
        if let valid = c.validVotes, let needed = c.quorum {
            let requested = r.roundSummaries.last { $0.round == r.roundsUsed }?.votes?.requested
            note += "; \(valid)\(requested.map { " of \($0)" } ?? "") votes valid, \(needed) needed"
        }
        let votes = r.votes.filter { $0.round == r.roundsUsed }
        var verdicts: [JSONValue] = votes.map { v in
            ["issuer": .string(v.agent), "role": "voter", "verdict": .string("voted for \(v.choice)"),
             "model_family": .string(family(of: v.agent, in: r)), "model_id": .string(model(of: v.agent, in: r))]
        }
        if c.method == .judge, let judge = r.judge, r.messages.contains(where: { $0.role == "judgment" && $0.agent == judge.name }) {
            verdicts.append(["issuer": .string(judge.name), "role": "judge", "verdict": .string(c.winner.map { "sided with \($0)" } ?? "sided with no answer"),
                             "model_family": .string(family(of: judge.name, in: r)), "model_id": .string(model(of: judge.name, in: r))])
        }
        return [
            "status": "present",
            "method": .string(c.method.rawValue),
            "reached": .bool(c.reached),
            "supporting_agents": JSONValue(c.supportingAgents),
            "participants": .array(people.map { ["agent": .string($0.name), "model_family": .string($0.family), "model_id": .string($0.model)] }),
            "independence": [
                "disclosed": .bool(!families.contains(undisclosed)),
                "distinct_model_families": .int(Set(families).count),
                "model_families": JSONValue(Set(families).sorted()),
                "note": .string(note),
            ],
            "dissent": [
                "present": .bool(!c.dissentingAgents.isEmpty),
                "dissenting_agents": JSONValue(c.dissentingAgents),
                "views": JSONValue(c.dissent.map { d in
                    "\(d.agent)" + (d.choice.map { " (voted for \($0))" } ?? "") + ": \(d.reason)"
                }),
            ],
            "verdicts": .array(verdicts),
        ]
    }

    /// Present only when someone gave a figure: the winner's share of the valid votes' stated confidences (times
    /// their ELO for `weighted`), or the judge's own. Never calibrated: the calibration block says so.
    static func confidence(_ r: DebateRecord) -> JSONValue {
        guard let c = r.consensus else { return absent(noVoteReason(r)) }
        guard c.method != .none else { return absent("method none: no vote was taken, so no one stated a confidence") }
        guard let value = c.confidence, value.isFinite, (0...1).contains(value) else {
            return absent("no confidence was given: " + c.summary)
        }
        let what: String
        switch c.method {
        case .judge where r.messages.contains { $0.role == "judgment" }: what = "the judge's own stated confidence"
        case .weighted: what = "the winner's share of the valid votes' stated confidences, each times the voter's ELO / 1500"
        default: what = "the winner's share of the valid votes' stated confidences"
        }
        return ["status": "present", "value": .double(value), "scale": "unit_interval",
                "calibration": absent("uncalibrated: \(what); no calibration record backs it")]
    }

    /// The most severe critiques (severity 0 cosmetic to 10 fatal), at most `maxCruxes`.
    static func cruxes(_ r: DebateRecord) -> JSONValue {
        guard !r.critiques.isEmpty else { return absent("no critiques were recorded") }
        let top = r.critiques.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.prefix(maxCruxes).map(\.element)
        return ["status": "present", "items": .array(top.map { c in
            ["critic": .string(c.agent), "target": .string(c.target), "round": .int(c.round), "severity": .double(c.severity),
             "severity_scale": "0-10", "issues": JSONValue(c.issues), "suggestions": JSONValue(c.suggestions)]
        })]
    }

    /// No human accepted these decisions: autonomous, with the instance that ran the debate when recorded.
    static func attestation(_ r: DebateRecord) -> JSONValue {
        var a: [String: JSONValue] = ["disposition": "autonomous"]
        if let instance = r.instanceID {
            a["execution_identity"] = ["id": .string(instance), "name": "aragora", "role": "the instance that ran the debate"]
        }
        return .object(a)
    }

    static func noVoteReason(_ r: DebateRecord) -> String {
        if let c = r.consensus, c.method == .none { return "method none: no vote was taken; the positions were combined" }
        return "no vote was counted: the debate ended (\(r.status.rawValue)) before voting"
    }

    static let undisclosed = "undisclosed"

    struct Participant {
        var name, family, model: String
    }

    /// The panel, then a judge from outside it.
    static func participants(_ r: DebateRecord) -> [Participant] {
        var all = r.agents
        if let judge = r.judge, !all.contains(where: { $0.name == judge.name }) { all.append(judge) }
        return all.map { Participant(name: $0.name, family: $0.provider.isEmpty ? undisclosed : $0.provider, model: $0.model) }
    }

    static func family(of agent: String, in r: DebateRecord) -> String {
        participants(r).first { $0.name == agent }?.family ?? undisclosed
    }

    static func model(of agent: String, in r: DebateRecord) -> String {
        participants(r).first { $0.name == agent }?.model ?? ""
    }

    static func absent(_ reason: String) -> JSONValue { ["status": "absent", "reason": .string(reason)] }

    /// The record must still say what its receipt signed: the receipt intact, and the same question, status,
    /// outcome, answer, supporters and dissenters.
    static func checkAgreement(_ r: DebateRecord, _ receipt: Receipt) throws {
        if let problem = ReceiptVerifier.problem(with: receipt) { throw ExportError.recordMismatch("\(problem)") }
        let signed = receipt.payload
        func differ(_ what: String) -> ExportError { .recordMismatch("its \(what) differs from the signed one") }
        guard signed["debate_id"]?.stringValue == r.id else { throw differ("debate id") }
        guard signed["question"]?.stringValue == r.task else { throw differ("question") }
        guard signed["status"]?.stringValue == r.status.rawValue else { throw differ("status") }
        let c = signed["consensus"]
        guard (c == nil || c == .null) == (r.consensus == nil) else { throw differ("consensus") }
        if let mine = r.consensus, let c {
            guard c["reached"]?.boolValue == mine.reached else { throw differ("outcome") }
            guard c["final_answer"]?.stringValue == mine.finalAnswer else { throw differ("final answer") }
            guard c["supporting_agents"] == JSONValue(mine.supportingAgents) else { throw differ("supporting agents") }
            guard c["dissenting_agents"] == JSONValue(mine.dissentingAgents) else { throw differ("dissenting agents") }
        }
    }
}

extension ReceiptSigner {
    /// The ODR key id of this key.
    public var keyID: String { ReceiptPublicKey.keyID(raw: key.publicKey.rawRepresentation) }
    public var publicKeyPEM: String { ReceiptPublicKey.pem(raw: key.publicKey.rawRepresentation) }
    /// The public key in every form a verifier takes: `GET /api/receipt-key` and `aragora receipt key --json`.
    public var publicKeyDocument: JSONValue {
        ["algorithm": "Ed25519", "key_id": .string(keyID), "public_key_hex": .string(publicKeyHex), "public_key_pem": .string(publicKeyPEM)]
    }

    /// The debate's Open Decision Receipt, signed by this key as its emitter.
    public func signODR(_ record: DebateRecord) throws -> JSONValue {
        var doc = try OpenDecisionReceipt.document(of: record)
        let digest = try OpenDecisionReceipt.digest(of: doc)
        var entry: [String: JSONValue] = ["alg": "Ed25519", "key_id": .string(keyID), "issuer": .string(OpenDecisionReceipt.issuer),
                                          "role": "emitter"]
        let message = try OpenDecisionReceipt.signatureMessage(digest: digest, protected: entry)
        entry["signature"] = .string(Data(try key.signature(for: message)).base64EncodedString())
        doc["signatures"] = [.object(entry)]
        return .object(doc)
    }
}
