import AragoraDebates
import AragoraCore
import AragoraProviders
import AragoraServer
import ArgumentParser
import Foundation

/// `aragora agents`: which providers this machine can use, with what model and at what price.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the agent providers: configured or not, default model, price per million tokens.",
        discussion: """
            Keys and addresses come from the environment: ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, XAI_API_KEY, \
            MISTRAL_API_KEY, DEEPSEEK_API_KEY, OPENROUTER_API_KEY, OLLAMA_HOST, OPENAI_COMPATIBLE_BASE_URL; base URLs from \
            <PROVIDER>_BASE_URL; default models from <PROVIDER>_MODEL (e.g. ANTHROPIC_API_MODEL).
            """)

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let config = try await ConfigurationLoader.load()
        let factory = try ProviderAgents.load(config, metrics: ServiceMetrics())
        let prices = (try? PriceTable.load(overrides: ConfigurationLoader.environment["ARAGORA_PRICES_FILE"])) ?? PriceTable()
        var rows: [[String: JSONValue]] = []
        for info in ProviderInfo.all {
            let listing = factory.listings.first { $0.provider == info.name }
            let model = listing?.defaultModel ?? info.defaultModel
            let price = prices.price(provider: info.name, model: model)
            let needs = info.hosting == .hosted ? info.keyVariable ?? info.baseURLVariable : info.baseURLVariable
            rows.append([
                "provider": .string(info.name),
                "status": .string(listing.map { $0.configured ? "configured" : "available" } ?? "missing \(needs)"),
                "model": .string(model),
                "input_per_mtok": price.map { .double($0.inputPerMTok) } ?? .null,
                "output_per_mtok": price.map { .double($0.outputPerMTok) } ?? .null,
            ])
        }
        rows.append(["provider": "demo", "status": "available", "model": "demo personas (offline)",
                     "input_per_mtok": 0.0, "output_per_mtok": 0.0])
        // The default panel with each agent's model as it will run (a spec names none: its provider's default).
        let panel = factory.defaultPanel.map { spec -> String in
            var resolved = spec
            if resolved.model == nil, spec.provider != "demo" {
                resolved.model = factory.listings.first { $0.provider == spec.provider }?.defaultModel
            }
            return resolved.description
        }
        if json {
            print(JSONValue.object(["providers": .array(rows.map(JSONValue.object)), "default_panel": JSONValue(panel)]).serialized())
            return
        }
        func price(_ v: JSONValue?) -> String { v?.doubleValue.map { String(format: "$%.2f", $0) } ?? "-" }
        let header = ["PROVIDER", "STATUS", "DEFAULT MODEL", "IN $/MTOK", "OUT $/MTOK"]
        let table = rows.map { r in
            [r["provider"]!.stringValue!, r["status"]!.stringValue!, r["model"]!.stringValue!, price(r["input_per_mtok"]), price(r["output_per_mtok"])]
        }
        let widths = (0..<header.count).map { i in ([header] + table).map { $0[i].count }.max()! }
        for line in [header] + table {
            let padded = zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            print(padded.replacingOccurrences(of: " +$", with: "", options: .regularExpression))
        }
        print("\ndefault panel: " + panel.joined(separator: ", "))
    }
}
