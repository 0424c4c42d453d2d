import Foundation

/// The evaluation as documents people read: `report.md` and a self-contained `report.html` (no script, no outside
/// file) with a chart of accuracy, and its 95% interval, against cost per item.
public struct EvalReport: Sendable {
    public var dataset: String
    public var items: Int
    public var rows: [EvalSummary]
    public var comparisons: [EvalSummary.Comparison]
    /// Why the figures cover only part of the plan (a budget stop, an interruption); nil when complete.
    public var partial: String?

    public init(dataset: String, items: Int, rows: [EvalSummary], comparisons: [EvalSummary.Comparison], partial: String? = nil) {
        (self.dataset, self.items, self.rows, self.comparisons, self.partial) = (dataset, items, rows, comparisons, partial)
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
    static func usd(_ x: Double) -> String { "$" + String(format: "%.4f", x) }

    public var markdown: String {
        var s = "# Evaluation: \(Self.escape(dataset)), \(items) items\n\n"
        if let partial { s += "**Partial:** \(Self.escape(partial))\n\n" }
        s += "| configuration | accuracy | 95% interval | calls | tokens in / out | cost | cost per item | seconds |\n"
        s += "|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            s += "| \(Self.escape(r.configuration)) | \(Self.pct(r.accuracy)) (\(r.correct)/\(r.total)) | \(Self.pct(r.low))-\(Self.pct(r.high)) | "
                + "\(r.calls) | \(r.usage.inputTokens) / \(r.usage.outputTokens) | \(Self.usd(r.usage.costUSD)) | "
                + "\(Self.usd(r.total > 0 ? r.usage.costUSD / Double(r.total) : 0)) | \(String(format: "%.1f", r.seconds)) |\n"
        }
        if !comparisons.isEmpty {
            s += "\n## Paired comparisons (exact McNemar test)\n\n| first | second | items | right only under the first | only under the second | p |\n|---|---|---|---|---|---|\n"
            for c in comparisons {
                s += "| \(Self.escape(c.first)) | \(Self.escape(c.second)) | \(c.items) | \(c.onlyFirst) | \(c.onlySecond) | \(String(format: "%.4f", c.p)) |\n"
            }
        }
        s += "\nAccuracy intervals are Wilson score intervals; p is two-sided. Every item's replies and extracted answers are in results.jsonl.\n"
        return s
    }

    /// Table cells: a `|` would end the cell, and markup is shown as text.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Accuracy (y, with its interval) against cost per item (x), one point per configuration.
    public var chart: String {
        let width = 640.0, height = 360.0, left = 60.0, bottom = 40.0, top = 20.0, right = 20.0
        let costs = rows.map { $0.total > 0 ? $0.usage.costUSD / Double($0.total) : 0 }
        let maxCost = max(costs.max() ?? 0, 1e-9)
        func x(_ cost: Double) -> Double { left + (width - left - right) * cost / maxCost }
        func y(_ accuracy: Double) -> Double { top + (height - top - bottom) * (1 - accuracy) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Accuracy against cost per item\">"
        s += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(width - right)\" y2=\"\(y(0))\" stroke=\"#888\"/>"
        s += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(left)\" y2=\"\(y(1))\" stroke=\"#888\"/>"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            s += "<text x=\"\(left - 8)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"11\">\(Int(tick * 100))%</text>"
        }
        s += "<text x=\"\(width - right)\" y=\"\(height - 8)\" text-anchor=\"end\" font-size=\"11\">cost per item, max \(Self.html(Self.usd(maxCost)))</text>"
        for (r, cost) in zip(rows, costs) {
            let cx = x(cost)
            s += "<line x1=\"\(cx)\" y1=\"\(y(r.low))\" x2=\"\(cx)\" y2=\"\(y(r.high))\" stroke=\"#4a6fa5\"/>"
            s += "<circle cx=\"\(cx)\" cy=\"\(y(r.accuracy))\" r=\"4\" fill=\"#4a6fa5\"><title>\(Self.html(r.configuration)): \(Self.pct(r.accuracy))</title></circle>"
            s += "<text x=\"\(cx + 6)\" y=\"\(y(r.accuracy) - 6)\" font-size=\"11\">\(Self.html(r.configuration))</text>"
        }
        return s + "</svg>"
    }

    public var htmlDocument: String {
        var rowsHTML = ""
        for r in rows {
            rowsHTML += "<tr><td>\(Self.html(r.configuration))</td><td>\(Self.pct(r.accuracy)) (\(r.correct)/\(r.total))</td>"
                + "<td>\(Self.pct(r.low))-\(Self.pct(r.high))</td><td>\(r.calls)</td><td>\(r.usage.inputTokens) / \(r.usage.outputTokens)</td>"
                + "<td>\(Self.usd(r.usage.costUSD))</td><td>\(String(format: "%.1f", r.seconds))</td></tr>"
        }
        var comparisonsHTML = ""
        for c in comparisons {
            comparisonsHTML += "<tr><td>\(Self.html(c.first))</td><td>\(Self.html(c.second))</td><td>\(c.items)</td><td>\(c.onlyFirst)</td>"
                + "<td>\(c.onlySecond)</td><td>\(String(format: "%.4f", c.p))</td></tr>"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Evaluation: \(Self.html(dataset))</title>
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}svg{max-width:100%;height:auto}</style>
            </head><body>
            <h1>Evaluation: \(Self.html(dataset)), \(items) items</h1>
            \(partial.map { "<p><strong>Partial:</strong> \(Self.html($0))</p>" } ?? "")
            <table><thead><tr><th>configuration</th><th>accuracy</th><th>95% interval</th><th>calls</th><th>tokens in / out</th><th>cost</th><th>seconds</th></tr></thead><tbody>\(rowsHTML)</tbody></table>
            <h2>Accuracy against cost per item</h2>
            \(chart)
            <h2>Paired comparisons (exact McNemar test)</h2>
            <table><thead><tr><th>first</th><th>second</th><th>items</th><th>right only under the first</th><th>only under the second</th><th>p</th></tr></thead><tbody>\(comparisonsHTML)</tbody></table>
            <p>Accuracy intervals are Wilson score intervals; p is two-sided. Every item's replies and extracted answers are in results.jsonl.</p>
            </body></html>

            """
    }
}
