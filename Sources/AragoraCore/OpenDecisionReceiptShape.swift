/// Structural conformance of a document to the ODR content profiles v0.1 and v0.2: the members each block must and
/// may hold and their types, as the published schema (`odr_schema.json`, shipped in `aragora-verify`) states them.
/// Every problem is reported, each as "path: what is wrong".
struct OpenDecisionReceiptShape {
    private(set) var errors: [String] = []
    private var version: String?

    static func problems(_ doc: JSONValue) -> [String] {
        var shape = OpenDecisionReceiptShape()
        shape.check(doc)
        return shape.errors
    }

    /// Members only profile 0.2 defines, by the block that holds them.
    static let onlyInV02: [String: Set<String>] = [
        "": ["adjudication"], "subject": ["repository", "pr_number", "head_sha", "base_sha"], "reasoning": ["observations"],
        "quorum": ["verdicts", "rule"], "quorum.dissent": ["findings", "severity_max", "blocking"],
    ]

    mutating func check(_ doc: JSONValue) {
        let top = ["odr_version", "profile", "receipt_id", "issued_at", "subject", "claim", "reasoning", "quorum", "confidence",
                   "cruxes", "attestation", "routing", "signatures"]
        version = doc["odr_version"]?.stringValue
        guard let d = object(doc, "", required: top, optional: ["source", "adjudication"]) else { return }
        if version != "0.1" && version != "0.2" { fail("odr_version", "must be '0.1' or '0.2'") }
        if let version, d["profile"]?.stringValue != "https://aragora.ai/specs/open-decision-receipt/v\(version)" {
            fail("profile", "must match odr_version")
        }
        string(d["receipt_id"], "receipt_id", nonEmpty: true)
        if let issued = d["issued_at"], issued != .null, issued.stringValue == nil { fail("issued_at", "must be a string or null") }
        if let s = object(d["subject"], "subject", required: ["identifier", "digest"],
                          optional: ["summary", "repository", "pr_number", "head_sha", "base_sha"]) {
            string(s["identifier"], "subject.identifier")
            presentOrAbsent(s["digest"], "subject.digest", required: ["alg", "value"]) { shape, p in
                shape.string(p["alg"], "subject.digest.alg")
                shape.string(p["value"], "subject.digest.value", nonEmpty: true)
            }
            for k in ["summary", "repository", "head_sha", "base_sha"] where s[k] != nil { string(s[k], "subject.\(k)") }
            if let n = s["pr_number"], n.intValue == nil { fail("subject.pr_number", "must be an integer") }
        }
        if let c = object(d["claim"], "claim", required: ["verdict", "statement"]) {
            string(c["verdict"], "claim.verdict", nonEmpty: true)
            if !isAbsentMarker(c["statement"]) { string(c["statement"], "claim.statement", nonEmpty: true) }
        }
        presentOrAbsent(d["reasoning"], "reasoning", required: ["summary"], optional: ["observations"]) { shape, p in
            shape.string(p["summary"], "reasoning.summary", nonEmpty: true)
            shape.array(p["observations"], "reasoning.observations") { shape, item, path in
                if let o = shape.object(item, path, required: ["kind", "family", "detail"]) {
                    shape.oneOf(o["kind"], "\(path).kind", ["timeout", "failure", "rerun"])
                    shape.string(o["family"], "\(path).family")
                    shape.string(o["detail"], "\(path).detail")
                }
            }
        }
        presentOrAbsent(d["quorum"], "quorum", required: ["method", "reached", "supporting_agents", "participants", "independence", "dissent"],
                        optional: ["verdicts", "rule"]) { shape, q in shape.quorum(q) }
        presentOrAbsent(d["confidence"], "confidence", required: ["value", "scale", "calibration"]) { shape, c in
            if let v = c["value"]?.doubleValue, c["value"]?.boolValue == nil {
                if !(0...1).contains(v) { shape.fail("confidence.value", "outside 0-1") }
            } else { shape.fail("confidence.value", "must be a number") }
            if c["scale"]?.stringValue != "unit_interval" { shape.fail("confidence.scale", "must be 'unit_interval'") }
            shape.presentOrAbsent(c["calibration"], "confidence.calibration", required: ["provenance_ref"]) { shape, cal in
                if let ref = shape.object(cal["provenance_ref"], "confidence.calibration.provenance_ref", required: ["type"], open: true) {
                    shape.string(ref["type"], "confidence.calibration.provenance_ref.type", nonEmpty: true)
                }
            }
        }
        presentOrAbsent(d["cruxes"], "cruxes", required: ["items"]) { shape, c in
            guard let items = c["items"]?.arrayValue, !items.isEmpty else { return shape.fail("cruxes.items", "must be a non-empty array") }
            for (i, item) in items.enumerated() where item.objectValue == nil { shape.fail("cruxes.items[\(i)]", "must be an object") }
        }
        if let a = object(d["attestation"], "attestation", required: ["disposition"],
                          optional: ["attestor", "attested_at", "method", "execution_identity", "observed", "mechanism"]) {
            oneOf(a["disposition"], "attestation.disposition", ["human_attested", "autonomous"])
            if a["disposition"]?.stringValue == "human_attested", a["attestor"] == nil { fail("attestation.attestor", "required for human_attested") }
            for k in ["attestor", "execution_identity", "observed"] where a[k] != nil { _ = object(a[k], "attestation.\(k)", open: true) }
            for k in ["attested_at", "method"] where a[k] != nil { string(a[k], "attestation.\(k)") }
            if a["mechanism"] != nil, let m = object(a["mechanism"], "attestation.mechanism", required: ["type"], open: true) {
                string(m["type"], "attestation.mechanism.type", nonEmpty: true)
            }
        }
        if let r = object(d["routing"], "routing", required: ["status"]), r["status"]?.stringValue != "reserved" {
            fail("routing.status", "must be 'reserved'")
        }
        array(d["signatures"], "signatures") { shape, item, path in
            guard let s = shape.object(item, path, required: ["alg", "key_id", "signature"], optional: ["issuer", "role", "signed_at", "expires_at"]) else { return }
            if s["alg"]?.stringValue != "Ed25519" { shape.fail("\(path).alg", "only 'Ed25519' is defined") }
            shape.string(s["key_id"], "\(path).key_id", nonEmpty: true)
            shape.string(s["signature"], "\(path).signature", nonEmpty: true)
            if s["issuer"] != nil { shape.string(s["issuer"], "\(path).issuer", nonEmpty: true) }
            if s["role"] != nil { shape.oneOf(s["role"], "\(path).role", ["emitter", "reviewer", "attestor", "notary"]) }
            for k in ["signed_at", "expires_at"] where s[k] != nil { shape.string(s[k], "\(path).\(k)") }
        }
        if d["source"] != nil, let s = object(d["source"], "source", required: ["system", "schema", "receipt_id"], optional: ["schema_version", "artifact_hash"]) {
            for (k, v) in s { string(v, "source.\(k)") }
        }
        if d["adjudication"] != nil { _ = object(d["adjudication"], "adjudication", required: ["kind", "verdict", "reason"], open: true) }
    }

    mutating func quorum(_ q: [String: JSONValue]) {
        if q["method"]?.stringValue == nil { fail("quorum.method", "must be a string") }
        if q["reached"]?.boolValue == nil { fail("quorum.reached", "must be a boolean") }
        strings(q["supporting_agents"], "quorum.supporting_agents")
        array(q["participants"], "quorum.participants") { shape, item, path in
            guard let p = shape.object(item, path, required: ["agent", "model_family", "model_id"]) else { return }
            shape.string(p["agent"], "\(path).agent", nonEmpty: true)
            shape.string(p["model_family"], "\(path).model_family")
            shape.string(p["model_id"], "\(path).model_id")
        }
        if let i = object(q["independence"], "quorum.independence", required: ["disclosed", "distinct_model_families", "model_families"], optional: ["note"]) {
            if i["disclosed"]?.boolValue == nil { fail("quorum.independence.disclosed", "must be a boolean") }
            if (i["distinct_model_families"]?.intValue ?? -1) < 0 || i["distinct_model_families"]?.boolValue != nil {
                fail("quorum.independence.distinct_model_families", "must be an integer >= 0")
            }
            strings(i["model_families"], "quorum.independence.model_families")
            if i["note"] != nil { string(i["note"], "quorum.independence.note") }
        }
        if let d = object(q["dissent"], "quorum.dissent", required: ["present", "dissenting_agents", "views"],
                          optional: ["findings", "severity_max", "blocking"]) {
            if d["present"]?.boolValue == nil { fail("quorum.dissent.present", "must be a boolean") }
            strings(d["dissenting_agents"], "quorum.dissent.dissenting_agents")
            strings(d["views"], "quorum.dissent.views")
            if d["findings"] != nil { array(d["findings"], "quorum.dissent.findings") { shape, item, path in
                _ = shape.object(item, path, required: ["issuer", "severity", "blocking", "text"], optional: ["location"])
            } }
        }
        if q["verdicts"] != nil { array(q["verdicts"], "quorum.verdicts") { shape, item, path in
            guard let v = shape.object(item, path, required: ["issuer", "verdict", "model_family", "model_id"],
                                       optional: ["role", "head_sha", "posted_at", "grounded", "counted", "severity_max", "blocking"]) else { return }
            for k in ["issuer", "verdict", "model_family", "model_id"] { shape.string(v[k], "\(path).\(k)") }
        } }
        if q["rule"] != nil {
            _ = object(q["rule"], "quorum.rule", required: ["required_signals", "requires_western_frontier", "western_only_counted", "counted_families"])
        }
    }

    // MARK: - Helpers

    mutating func fail(_ path: String, _ why: String) { errors.append("\(path.isEmpty ? "receipt" : path): \(why)") }

    /// The members of an object, after checking the required ones are there and (unless `open`) nothing else is;
    /// members only profile 0.2 defines are refused on a 0.1 document.
    mutating func object(_ value: JSONValue?, _ path: String, required: [String] = [], optional: [String] = [],
                         open: Bool = false) -> [String: JSONValue]? {
        guard let value else { fail(path, "required"); return nil }
        guard let o = value.objectValue else { fail(path, "must be an object"); return nil }
        for k in required where o[k] == nil { fail(path.isEmpty ? k : "\(path).\(k)", "required") }
        if !open {
            let known = Set(required + optional)
            for k in o.keys.sorted() where !known.contains(k) { fail(path.isEmpty ? k : "\(path).\(k)", "unknown member") }
        }
        if version == "0.1", let only = Self.onlyInV02[path] {
            for k in o.keys.sorted() where only.contains(k) { fail(path.isEmpty ? k : "\(path).\(k)", "not in profile 0.1") }
        }
        return o
    }

    func isAbsentMarker(_ value: JSONValue?) -> Bool {
        guard let o = value?.objectValue, o["status"]?.stringValue == "absent" else { return false }
        return Set(o.keys) == ["status", "reason"] && !(o["reason"]?.stringValue ?? "").isEmpty
    }

    /// A block that is either `{"status": "present", ...}` or the absent marker `{"status": "absent", "reason": ...}`.
    mutating func presentOrAbsent(_ value: JSONValue?, _ path: String, required: [String], optional: [String] = [],
                                  _ present: (inout Self, [String: JSONValue]) -> Void) {
        guard let value else { return fail(path, "required") }
        if value["status"]?.stringValue == "absent" {
            if !isAbsentMarker(value) { fail(path, "an absent marker holds exactly status and a non-empty reason") }
            return
        }
        guard value["status"]?.stringValue == "present" else { return fail(path, "must be a present block or an absent marker") }
        if let o = object(value, path, required: ["status"] + required, optional: optional) { present(&self, o) }
    }

    mutating func string(_ value: JSONValue?, _ path: String, nonEmpty: Bool = false) {
        guard let s = value?.stringValue else { return fail(path, "must be a string") }
        if nonEmpty && s.isEmpty { fail(path, "must not be empty") }
    }

    mutating func oneOf(_ value: JSONValue?, _ path: String, _ allowed: [String]) {
        guard let s = value?.stringValue, allowed.contains(s) else { return fail(path, "must be one of \(allowed.joined(separator: ", "))") }
    }

    mutating func strings(_ value: JSONValue?, _ path: String) {
        guard let items = value?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return fail(path, "must be an array of strings") }
    }

    mutating func array(_ value: JSONValue?, _ path: String, _ each: (inout Self, JSONValue, String) -> Void) {
        guard let value else { return }
        guard let items = value.arrayValue else { return fail(path, "must be an array") }
        for (i, item) in items.enumerated() { each(&self, item, "\(path)[\(i)]") }
    }
}
