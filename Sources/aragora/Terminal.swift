import Foundation

/// Output helpers: ANSI styles only on a terminal and without NO_COLOR, and word wrapping.
struct Terminal: Sendable {
    let color: Bool
    let width: Int

    init(fileDescriptor: Int32 = STDOUT_FILENO) {
        color = isatty(fileDescriptor) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        width = min(100, Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100)
    }

    func style(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ t: String) -> String { style(t, "1") }
    func dim(_ t: String) -> String { style(t, "2") }
    func green(_ t: String) -> String { style(t, "32") }
    func red(_ t: String) -> String { style(t, "31") }
    func yellow(_ t: String) -> String { style(t, "33") }
    func cyan(_ t: String) -> String { style(t, "36") }

    /// Wraps text to the terminal width, every line prefixed by `indent`.
    func wrap(_ text: String, indent: String) -> String {
        let limit = max(30, width - indent.count)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty && line.count + 1 + word.count > limit {
                    lines.append(indent + line)
                    line = ""
                }
                line += line.isEmpty ? String(word) : " " + word
            }
            lines.append(indent + line)
        }
        return lines.joined(separator: "\n")
    }

    static func errorLine(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Serialises writes to stdout/stderr from the event consumer and the progress ticker.
actor Console {
    private var pendingStatus = false

    func print(_ text: String, toError: Bool = false) {
        clearStatus()
        let handle = toError ? FileHandle.standardError : FileHandle.standardOutput
        handle.write(Data((text + "\n").utf8))
    }

    /// A transient "still waiting" line on stderr (terminals only), replaced by the next output.
    func status(_ text: String) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
        pendingStatus = true
    }

    func clearStatus() {
        guard pendingStatus else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        pendingStatus = false
    }
}
