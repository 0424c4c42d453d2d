/// The one way configuration variables are read: trimmed, empty means unset, and a value that does not parse is an
/// error naming the variable, what it must be and what it holds (never ignored, never guessed). Booleans have one
/// dialect: `1/true/yes/on` and `0/false/no/off`, in any case.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]

    public init(_ environment: [String: String]) { self.environment = environment }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public func string(_ name: String) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    public func int(_ name: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int? {
        guard let v = string(name) else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw Invalid("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(v)'")
        }
        return n
    }

    public func double(_ name: String, _ range: ClosedRange<Double>) throws(Invalid) -> Double? {
        guard let v = string(name) else { return nil }
        guard let n = Double(v), range.contains(n) else {
            throw Invalid("\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(v)'")
        }
        return n
    }

    public func bool(_ name: String) throws(Invalid) -> Bool? {
        guard let v = string(name) else { return nil }
        switch v.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw Invalid("\(name) must be true or false (1/0, yes/no, on/off), got '\(v)'")
        }
    }
}
