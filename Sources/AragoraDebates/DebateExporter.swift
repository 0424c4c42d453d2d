import AragoraCore
import Foundation

/// Renders a debate record for download: JSON, Markdown, HTML, CSV or plain text.
public enum DebateExporter {
    public enum Format: String, CaseIterable, Sendable {
        case json, md, html, csv, txt
    }

    public static func render(_ r: DebateRecord, as format: Format) throws -> (String, String) {
        switch format {
        case .json: return (String(decoding: try r.jsonData(), as: UTF8.self), "application/json; charset=utf-8")
        case .md: return (markdown(r), "text/markdown; charset=utf-8")
        case .html: return (html(r), "text/html; charset=utf-8")
        case .csv: return (csv(r), "text/csv; charset=utf-8")
        case .txt: return (text(r), "text/plain; charset=utf-8")
        }
    }

    public static func outcome(_ r: DebateRecord) -> String {
        guard let c = r.consensus else { return "no result (status \(r.status.rawValue))" }
        let confidence = c.confidence.map { String(format: "%.2f", $0) } ?? "not given"
        return "\(c.reached ? "consensus reached" : "no consensus") by \(c.method.rawValue), confidence \(confidence) · \(c.summary)"
    }

    /// Agent and user text in Markdown: raw HTML is escaped so a renderer shows it as text and never runs it
    /// (quotes stay as written: they mean nothing outside an HTML attribute), and brackets and backslashes are
    /// backslash-escaped so no link or image can form: a `[x](javascript:...)` link or a remote image (a tracking
    /// pixel loaded when the export is opened) shows as the characters it was written with.
    public static func md(_ text: String) -> String {
        var out = ""
        for ch in escape(text, quotes: false) {
            if ch == "[" || ch == "]" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    public static func markdown(_ r: DebateRecord) -> String {
        var s = "# \(md(r.task))\n\n"
        s += "- Debate: `\(r.id)`\n- Status: \(r.status.rawValue)\n- Agents: \(md(r.agents.map(\.name).joined(separator: ", ")))\n"
        s += "- Rounds: \(r.roundsUsed) of \(r.rounds)\n- Result: \(outcome(r))\n"
        if let c = r.consensus {
            s += "\n## Final answer\n\n\(md(c.finalAnswer))\n"
            if !c.supportingAgents.isEmpty { s += "\n**Supporting:** \(md(c.supportingAgents.joined(separator: ", ")))\n" }
            for d in c.dissent { s += "\n**Dissent — \(md(d.agent)):** \(md(d.reason))\n" }
        }
        for round in 1...max(1, r.roundsUsed) {
            s += "\n## Round \(round)\n"
            for m in r.messages where m.round == round { s += "\n### \(md(m.agent)) (\(m.role))\n\n\(md(m.content))\n" }
            let crits = r.critiques.filter { $0.round == round }
            if !crits.isEmpty {
                s += "\n#### Critiques\n\n"
                for c in crits { s += "- **\(md(c.agent)) → \(md(c.target))** (severity \(c.severity)): \(md(c.issues.joined(separator: "; ")))\n" }
            }
            let votes = r.votes.filter { $0.round == round }
            if !votes.isEmpty {
                s += "\n#### Votes\n\n"
                for v in votes { s += "- **\(md(v.agent))** → \(md(v.choice)) (\(v.confidence)): \(md(v.reasoning))\n" }
            }
        }
        if let receipt = r.receipt { s += "\n---\nReceipt: sha256 `\(receipt.digest)`, ed25519 key `\(receipt.publicKey)`\n" }
        return s
    }

    /// HTML text and attribute escaping; `quotes: false` leaves `"` and `'` alone.
    public static func escape(_ s: String, quotes: Bool = true) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"" where quotes: out += "&quot;"
            case "'" where quotes: out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    public static func html(_ r: DebateRecord) -> String {
        var s = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(escape(r.task))</title>"
        s += "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}pre{white-space:pre-wrap}</style></head><body>"
        s += "<h1>\(escape(r.task))</h1><p>Debate <code>\(escape(r.id))</code> · \(escape(r.status.rawValue)) · \(escape(outcome(r)))</p>"
        if let c = r.consensus { s += "<h2>Final answer</h2><pre>\(escape(c.finalAnswer))</pre>" }
        for m in r.messages {
            s += "<h3>Round \(m.round) · \(escape(m.agent)) (\(escape(m.role)))</h3><pre>\(escape(m.content))</pre>"
        }
        if !r.votes.isEmpty {
            s += "<h2>Votes</h2><ul>"
            for v in r.votes { s += "<li>Round \(v.round): \(escape(v.agent)) → \(escape(v.choice)) (\(v.confidence)) — \(escape(v.reasoning))</li>" }
            s += "</ul>"
        }
        if let receipt = r.receipt { s += "<p>Receipt: sha256 <code>\(receipt.digest)</code></p>" }
        return s + "</body></html>\n"
    }

    /// A CSV cell: a cell a spreadsheet would read as a formula (leading `=`, `+`, `-`, `@`, tab or CR, OWASP's
    /// rule) is prefixed with `'`; cells with separators, quotes or line breaks are quoted.
    public static func csvField(_ raw: String) -> String {
        let s = raw.first.map { "=+-@\t\r".contains($0) } == true ? "'" + raw : raw
        return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    public static func csv(_ r: DebateRecord) -> String {
        var rows = [["kind", "round", "agent", "target", "content", "score"]]
        for m in r.messages { rows.append([m.role, String(m.round), m.agent, "", m.content, ""]) }
        for c in r.critiques {
            rows.append(["critique", String(c.round), c.agent, c.target, (c.issues + c.suggestions).joined(separator: "; "), String(c.severity)])
        }
        for v in r.votes { rows.append(["vote", String(v.round), v.agent, v.choice, v.reasoning, String(v.confidence)]) }
        if let c = r.consensus { rows.append(["consensus", String(r.roundsUsed), c.winner ?? "", "", c.finalAnswer, c.confidence.map { String($0) } ?? ""]) }
        return rows.map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    public static func text(_ r: DebateRecord) -> String {
        var s = "Question: \(r.task)\nDebate: \(r.id)\nStatus: \(r.status.rawValue)\nResult: \(outcome(r))\n"
        for m in r.messages { s += "\n[Round \(m.round)] \(m.agent) (\(m.role)):\n\(m.content)\n" }
        if let c = r.consensus { s += "\nFINAL ANSWER:\n\(c.finalAnswer)\n" }
        return s
    }
}
