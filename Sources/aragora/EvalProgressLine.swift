import AragoraEval
import Foundation
import Synchronization

/// `aragora eval`'s progress on stderr: answers and items done, time, an estimate of what is left, the spend. On a
/// terminal one line rewritten in place; elsewhere (a log, a pipe) a line each time an item completes.
final class EvalProgressLine: Sendable {
    private let lastItems = Mutex(-1)
    private let onTerminal = isatty(STDERR_FILENO) == 1

    func show(_ p: EvalSession.Progress) {
        let left = p.secondsLeft.map { " · about \(Self.duration($0)) left" } ?? ""
        let resumed = p.resumed > 0 ? " (\(p.resumed) resumed)" : ""
        let text = "\(p.itemsDone)/\(p.items) items · \(p.answered)/\(p.planned) answers\(resumed) · \(Self.duration(p.seconds))\(left)"
            + " · $\(String(format: "%.4f", p.spentUSD))"
        if onTerminal {
            lastItems.withLock { $0 = p.itemsDone }
            return FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
        }
        let changed = lastItems.withLock { last in
            defer { last = p.itemsDone }
            return last != p.itemsDone
        }
        if changed || p.answered == p.planned { Terminal.errorLine(text) }
    }

    /// Ends the rewritten line so what follows starts on its own.
    func finish() {
        if onTerminal && lastItems.withLock({ $0 }) >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s < 120 ? "\(s) s" : s < 7200 ? "\(s / 60) min" : String(format: "%.1f h", Double(s) / 3600)
    }
}
