import AragoraCore
import Foundation

/// USD per million tokens, by model. Built-in list prices (as published by each provider when this was written),
/// overridable and extendable by a JSON file (`ARAGORA_PRICES_FILE`):
/// `{"gpt-5-mini": {"input_per_mtok": 0.25, "output_per_mtok": 2.0}, ...}`.
/// Lookup: the exact model, else the longest known prefix (dated snapshots such as `claude-sonnet-4-5-20250929`),
/// else the same without an OpenRouter vendor prefix (`openai/gpt-5-mini`). Local servers cost nothing.
public struct PriceTable: Sendable {
    public struct Price: Sendable, Equatable {
        public var inputPerMTok: Double
        public var outputPerMTok: Double

        public init(input: Double, output: Double) {
            inputPerMTok = input
            outputPerMTok = output
        }

        public func cost(input: Int, output: Int) -> Double {
            (Double(input) * inputPerMTok + Double(output) * outputPerMTok) / 1_000_000
        }
    }

    public private(set) var prices: [String: Price]

    public static let builtIn: [String: Price] = [
        "claude-opus-4-1": Price(input: 15, output: 75), "claude-opus-4": Price(input: 15, output: 75),
        "claude-sonnet-4-5": Price(input: 3, output: 15), "claude-sonnet-4": Price(input: 3, output: 15),
        "claude-haiku-4-5": Price(input: 1, output: 5), "claude-3-5-haiku": Price(input: 0.8, output: 4),
        "gpt-5": Price(input: 1.25, output: 10), "gpt-5-mini": Price(input: 0.25, output: 2), "gpt-5-nano": Price(input: 0.05, output: 0.4),
        "gpt-4.1": Price(input: 2, output: 8), "gpt-4.1-mini": Price(input: 0.4, output: 1.6), "gpt-4.1-nano": Price(input: 0.1, output: 0.4),
        "gpt-4o": Price(input: 2.5, output: 10), "gpt-4o-mini": Price(input: 0.15, output: 0.6),
        "gemini-2.5-pro": Price(input: 1.25, output: 10), "gemini-2.5-flash": Price(input: 0.3, output: 2.5),
        "gemini-2.5-flash-lite": Price(input: 0.1, output: 0.4),
        "mistral-large-latest": Price(input: 2, output: 6), "mistral-medium-latest": Price(input: 0.4, output: 2),
        "mistral-small-latest": Price(input: 0.1, output: 0.3),
        "grok-4": Price(input: 3, output: 15), "grok-3": Price(input: 3, output: 15), "grok-3-mini": Price(input: 0.3, output: 0.5),
        "deepseek-chat": Price(input: 0.27, output: 1.1), "deepseek-reasoner": Price(input: 0.55, output: 2.19),
    ]

    public init(prices: [String: Price] = PriceTable.builtIn) {
        self.prices = prices
    }

    /// The built-in table with a file's entries on top.
    public static func load(overrides path: String?) throws -> PriceTable {
        var table = PriceTable()
        guard let path, !path.isEmpty else { return table }
        guard let data = FileManager.default.contents(atPath: path) else { throw PriceFileError("cannot read \(path)") }
        guard let entries = JSONValue.parse(data)?.objectValue else { throw PriceFileError("\(path) is not a JSON object") }
        for (model, v) in entries {
            guard let i = v["input_per_mtok"]?.doubleValue, let o = v["output_per_mtok"]?.doubleValue, i >= 0, o >= 0 else {
                throw PriceFileError("\(path): \(model) needs non-negative input_per_mtok and output_per_mtok")
            }
            table.prices[model] = Price(input: i, output: o)
        }
        return table
    }

    public func price(provider: String, model: String) -> Price? {
        if ProviderInfo.named(provider)?.isLocal == true { return Price(input: 0, output: 0) }  // a server of one's own
        if let p = prices[model] { return p }
        if let key = prices.keys.filter({ model.hasPrefix($0) }).max(by: { $0.count < $1.count }) { return prices[key] }
        if let slash = model.firstIndex(of: "/") { return price(provider: provider, model: String(model[model.index(after: slash)...])) }
        return nil
    }
}

public struct PriceFileError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = "ARAGORA_PRICES_FILE: " + d }
}
