import Crypto
import Foundation

/// Checks an Open Decision Receipt offline, as `aragora-verify` does and with the same check names and outcome:
/// schema conformance, quorum consistency (everyone named as supporting or dissenting is a disclosed participant),
/// the canonical digest, and the Ed25519 signatures against a public key. Exit status 0 verified, 1 a check failed,
/// 3 well-formed but its signatures were not checked (no key given).
public enum OpenDecisionReceiptVerifier {
    public struct Check: Sendable, Equatable {
        public enum Status: String, Sendable { case pass, fail, warn, skip }
        public var name: String
        public var status: Status
        public var detail: String
    }

    public struct Result: Sendable {
        public var receiptID: String
        /// Hex SHA-256 of the JCS bytes without signatures; empty when the document could not be digested.
        public var digest: String
        public var checks: [Check]

        public var ok: Bool { !checks.contains { $0.status == .fail } }
        /// Well-formed, but no signature was checked against a key: authenticity not established.
        public var authenticityUnverified: Bool { checks.contains { $0.name == "signature" && $0.status == .skip } }
        public var exitCode: Int32 { !ok ? 1 : authenticityUnverified ? 3 : 0 }
        public var failures: [Check] { checks.filter { $0.status == .fail } }
    }

    /// Whether a parsed JSON document is an ODR (rather than one of our own receipts).
    public static func isODR(_ doc: JSONValue) -> Bool { doc["odr_version"] != nil }

    public static func verify(_ doc: JSONValue, publicKey: Curve25519.Signing.PublicKey?) -> Result {
        var result = Result(receiptID: doc["receipt_id"]?.stringValue ?? "", digest: "", checks: [])
        let problems = OpenDecisionReceiptShape.problems(doc)
        guard problems.isEmpty, let members = doc.objectValue else {
            result.checks.append(Check(name: "schema_conformance", status: .fail, detail: problems.prefix(12).joined(separator: "; ")))
            return result
        }
        let version = members["odr_version"]?.stringValue ?? ""
        result.checks.append(Check(name: "schema_conformance", status: .pass, detail: "conforms to ODR v\(version) profile"))
        result.checks += quorumChecks(doc["quorum"]!)
        do {
            result.digest = try OpenDecisionReceipt.digest(of: members)
        } catch {
            result.checks.append(Check(name: "canonical_digest", status: .fail, detail: "cannot canonicalize receipt: \(error)"))
            return result
        }
        result.checks.append(Check(name: "canonical_digest", status: .pass, detail: "sha-256:\(result.digest)"))
        result.checks.append(signatureCheck(members["signatures"]?.arrayValue ?? [], version: version, digest: result.digest, key: publicKey))
        return result
    }

    static func quorumChecks(_ quorum: JSONValue) -> [Check] {
        guard quorum["status"]?.stringValue == "present" else {
            return [Check(name: "quorum_consistency", status: .skip, detail: "no present quorum block to cross-check")]
        }
        let participants = Set((quorum["participants"]?.arrayValue ?? []).compactMap { $0["agent"]?.stringValue })
        let named = (quorum["supporting_agents"]?.arrayValue ?? []) + (quorum["dissent"]?["dissenting_agents"]?.arrayValue ?? [])
        let missing = Set(named.compactMap(\.stringValue)).subtracting(participants).sorted()
        var checks = [missing.isEmpty
            ? Check(name: "quorum_consistency", status: .pass, detail: "supporting/dissenting agents all appear in participants")
            : Check(name: "quorum_consistency", status: .fail,
                    detail: "agents referenced but not in participants: " + missing.joined(separator: ", "))]
        let issuers = Set((quorum["verdicts"]?.arrayValue ?? []).compactMap { $0["issuer"]?.stringValue }).subtracting(participants).sorted()
        if !issuers.isEmpty {
            checks.append(Check(name: "verdicts_consistency", status: .fail, detail: "issuers not in participants: " + issuers.joined(separator: ", ")))
        }
        return checks
    }

    /// Verified when a signature whose key id is the given key's verifies; failed when one that names that key does
    /// not, or when none verifies. v0.1 signs the 32 digest bytes; v0.2 the JCS message with the signed metadata.
    static func signatureCheck(_ signatures: [JSONValue], version: String, digest: String, key: Curve25519.Signing.PublicKey?) -> Check {
        guard let key else {
            return signatures.isEmpty
                ? Check(name: "signature", status: .warn, detail: "receipt is unsigned (v\(version)); authenticity not established")
                : Check(name: "signature", status: .skip,
                        detail: "\(signatures.count) signature(s) present but no public key given; authenticity NOT verified")
        }
        guard !signatures.isEmpty else {
            return Check(name: "signature", status: .skip, detail: "receipt carries no signatures; authenticity NOT established")
        }
        let keyID = ReceiptPublicKey.keyID(raw: key.rawRepresentation)
        var notes: [String] = []
        var verified = false, failedOurs = false, relabelled = false
        for (i, entry) in signatures.enumerated() {
            guard var protected = entry.objectValue else { continue }
            let sigKeyID = protected["key_id"]?.stringValue ?? ""
            let text = protected.removeValue(forKey: "signature")?.stringValue ?? ""
            guard let signature = Data(base64Encoded: text).flatMap({ $0.count == 64 ? $0 : nil }) ?? Data(hex: text).flatMap({ $0.count == 64 ? $0 : nil }) else {
                notes.append("sig[\(i)]: undecodable signature")
                if sigKeyID == keyID { failedOurs = true }
                continue
            }
            let message: [UInt8]
            if version == OpenDecisionReceipt.version {
                guard let m = try? OpenDecisionReceipt.signatureMessage(digest: digest, protected: protected) else {
                    notes.append("sig[\(i)]: its metadata cannot be canonicalized")
                    if sigKeyID == keyID { failedOurs = true }
                    continue
                }
                message = m
            } else {
                message = Array(Data(hex: digest) ?? Data())
            }
            if key.isValidSignature(signature, for: Data(message)) {
                if sigKeyID == keyID {
                    verified = true
                    notes.append("sig[\(i)] (key_id=\(sigKeyID)): verified")
                } else {
                    relabelled = true
                    notes.append("sig[\(i)]: verifies with the given key but names key_id \(sigKeyID), not \(keyID)")
                }
            } else {
                notes.append("sig[\(i)] (key_id=\(sigKeyID)): INVALID")
                if sigKeyID == keyID { failedOurs = true }
            }
        }
        let detail = notes.joined(separator: "; ")
        if failedOurs { return Check(name: "signature", status: .fail, detail: "signature check failed — \(detail)") }
        if verified { return Check(name: "signature", status: .pass, detail: "Ed25519 signature verified — \(detail)") }
        if relabelled { return Check(name: "signature", status: .fail, detail: "signer-label tampering suspected — \(detail)") }
        return Check(name: "signature", status: .fail, detail: "no signature verified with the given key (\(keyID)) — \(detail)")
    }
}
