import AragoraCore
import Foundation
import Synchronization

/// An eval's output folder as it fills: `results.jsonl` gets each answer's lines as soon as it is in, so a Ctrl-C,
/// a budget stop or a crash keeps every finished answer, and a rerun with the same folder reads them back and skips
/// them. `run.json` beside it names what the answers were given under; resuming under other terms would mix answers
/// that cannot be compared, so it is refused.
public final class EvalJournal: Sendable {
    /// The terms answers were given under: the same items (dataset and seed), the same panel (each agent's name,
    /// provider and model), the same consensus rule and blindness.
    public struct Terms: Codable, Equatable, Sendable {
        public var dataset: String
        public var seed: UInt64
        public var agents: [String]
        public var consensus: String
        public var blind: Bool

        public init(dataset: String, seed: UInt64, agents: [AgentIdentity], consensus: String, blind: Bool) {
            (self.dataset, self.seed, self.consensus, self.blind) = (dataset, seed, consensus, blind)
            self.agents = agents.map { "\($0.name) (\($0.provider) \($0.model))" }
        }
    }

    /// A folder that cannot be resumed: other terms, or a line that is not an answer.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public let directory: URL
    /// The answers already in the folder when it was opened.
    public let previous: [EvalOutcome]
    private let handle: Mutex<FileHandle>

    public var results: URL { directory.appendingPathComponent("results.jsonl") }

    /// Opens (creating) the folder for `terms`, reading the answers a previous run left.
    public init(directory path: String, terms: Terms) throws {
        directory = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let termsFile = directory.appendingPathComponent("run.json")
        let results = directory.appendingPathComponent("results.jsonl")
        let hasResults = FileManager.default.fileExists(atPath: results.path)
        if FileManager.default.fileExists(atPath: termsFile.path) {
            let stored: Terms
            do { stored = try JSONDecoder().decode(Terms.self, from: Data(contentsOf: termsFile)) } catch {
                throw Invalid(description: "\(termsFile.path) is not an eval's run.json")
            }
            if let difference = Self.difference(stored, terms) {
                throw Invalid(description: "\(path) holds answers given under other terms (\(difference)); "
                              + "rerun with the same options to resume, or use another --out")
            }
        } else if hasResults {
            throw Invalid(description: "\(results.path) exists without the run.json that says what its answers were given under; use another --out")
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(terms).write(to: termsFile, options: .atomic)
        }
        var kept: [EvalOutcome] = []
        if hasResults {
            let (outcomes, torn) = try Self.read(Data(contentsOf: results), file: results.lastPathComponent)
            kept = outcomes
            // A line cut short by a crash is dropped, so the next answer starts on a line of its own.
            if torn {
                try Data(kept.map { try $0.jsonString() + "\n" }.joined().utf8).write(to: results, options: .atomic)
            }
        } else {
            try Data().write(to: results)
        }
        previous = kept
        let handle = try FileHandle(forWritingTo: results)
        try handle.seekToEnd()
        self.handle = Mutex(handle)
    }

    deinit { handle.withLock { try? $0.close() } }

    /// Appends one answer's lines in one write.
    public func append(_ outcomes: [EvalOutcome]) throws {
        let text = try outcomes.map { try $0.jsonString() + "\n" }.joined()
        try handle.withLock { try $0.write(contentsOf: Data(text.utf8)) }
    }

    /// The answers in a results file. A last line without its newline is a write a crash cut short: `torn`, and
    /// dropped when it is not a whole answer. Any other line that is not an answer is an error naming it.
    static func read(_ data: Data, file: String) throws(Invalid) -> (outcomes: [EvalOutcome], torn: Bool) {
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let torn = data.last.map { $0 != UInt8(ascii: "\n") } ?? false
        var outcomes: [EvalOutcome] = []
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            do { outcomes.append(try decoder.decode(EvalOutcome.self, from: Data(line))) } catch {
                if torn && index == lines.count - 1 { break }
                throw Invalid(description: "\(file):\(index + 1): not an answer line; fix or remove it to resume")
            }
        }
        return (outcomes, torn)
    }

    static func difference(_ old: Terms, _ new: Terms) -> String? {
        if old.dataset != new.dataset { return "dataset \(old.dataset) there, \(new.dataset) here" }
        if old.seed != new.seed { return "seed \(old.seed) there, \(new.seed) here" }
        if old.agents != new.agents {
            return "agents \(old.agents.joined(separator: ", ")) there, \(new.agents.joined(separator: ", ")) here"
        }
        if old.consensus != new.consensus { return "consensus \(old.consensus) there, \(new.consensus) here" }
        if old.blind != new.blind { return old.blind ? "blind there, --no-blind here" : "--no-blind there, blind here" }
        return nil
    }
}
