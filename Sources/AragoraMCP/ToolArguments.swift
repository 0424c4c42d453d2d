import AragoraCore
import MCP

/// A tool call's arguments, read with the clear `-32602` a client shows its user when one is wrong. Unknown
/// arguments are refused too: a misspelt `round` would otherwise be ignored without a word.
struct ToolArguments {
    let tool: String
    let values: [String: JSONValue]

    init(tool: String, _ arguments: [String: Value]?, allowed: [String]) throws(MCPError) {
        self.tool = tool
        values = (arguments ?? [:]).mapValues { JSONValue($0) }
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw MCPError.invalidParams("\(tool): unknown argument '\(unknown)' (it takes \(allowed.joined(separator: ", ")))")
        }
    }

    func bad(_ name: String, _ why: String) -> MCPError { MCPError.invalidParams("\(tool): \(name) \(why)") }

    func string(_ name: String, required: Bool = false, maxLength: Int? = nil) throws(MCPError) -> String? {
        guard let value = values[name], value != .null else {
            if required { throw bad(name, "is required") }
            return nil
        }
        guard let s = value.stringValue else { throw bad(name, "must be a string") }
        if let maxLength, DebateLimits.length(s) > maxLength { throw bad(name, "is longer than \(maxLength) characters") }
        return s
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(MCPError) -> Int? {
        guard let value = values[name], value != .null else { return nil }
        guard let i = value.intValue else { throw bad(name, "must be an integer") }
        guard range.contains(i) else { throw bad(name, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return i
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws(MCPError) -> Double? {
        guard let value = values[name], value != .null else { return nil }
        guard let d = value.doubleValue, d.isFinite else { throw bad(name, "must be a number") }
        guard range.contains(d) else { throw bad(name, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return d
    }

    func bool(_ name: String) throws(MCPError) -> Bool? {
        guard let value = values[name], value != .null else { return nil }
        guard let b = value.boolValue else { throw bad(name, "must be true or false") }
        return b
    }

    /// A debate id: `deb_` and its digits, as the API names them.
    func debateID(_ name: String = "debate_id") throws(MCPError) -> String {
        let id = try string(name, required: true)!
        guard DebateID.isValid(id) else { throw bad(name, "is not a debate id (they look like deb_...)") }
        return id
    }

    /// The panel: a list of agent entries or one comma-separated string, as `aragora ask --agents` takes it.
    func agents(_ name: String = "agents") throws(MCPError) -> [AgentSpec]? {
        guard let value = values[name], value != .null else { return nil }
        do {
            if let text = value.stringValue { return try AgentSpec.parseList(text) }
            if value.arrayValue != nil { return try AgentSpec.parse(json: value) }
        } catch {
            throw bad(name, "is not a panel: \(error)")
        }
        throw bad(name, "must be a list of agents (\"anthropic-api\", \"demo:skeptic\", ...) or a comma-separated string")
    }
}
