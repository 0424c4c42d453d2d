import AragoraDebates
import AragoraCore
import AragoraProviders
import AragoraServer
import Foundation

/// The agent factory of `ask` and `serve`: demo agents plus every LLM provider configured in the environment,
/// whose calls are counted in the service's metrics.
enum ProviderAgents {
    static func factory(config: ServerConfiguration, metrics: ServiceMetrics, environment: [String: String]) throws -> AgentFactory {
        let runtime = try ProviderSetup.runtime(environment: environment) { provider, usage, seconds, failure in
            metrics.increment("aragora_agent_calls_total", labels: [("provider", provider), ("outcome", failure ?? "ok")])
            metrics.observe("aragora_agent_call_duration_seconds", seconds: seconds, labels: [("provider", provider)])
            guard failure == nil else { return }
            metrics.increment("aragora_agent_tokens_total", by: Int64(usage.inputTokens), labels: [("provider", provider), ("direction", "input")])
            metrics.increment("aragora_agent_tokens_total", by: Int64(usage.outputTokens), labels: [("provider", provider), ("direction", "output")])
            metrics.add("aragora_agent_cost_usd_total", usage.costUSD, labels: [("provider", provider)])
        }
        var factory = AgentFactory(demoLatency: .milliseconds(config.demoLatencyMS))
        try ProviderSetup.register(into: &factory, environment: environment, runtime: runtime)
        return factory
    }

    /// The same, ending the command with the reason when the configuration is wrong (exit 78).
    static func load(_ config: ServerConfiguration, metrics: ServiceMetrics) throws -> AgentFactory {
        do { return try factory(config: config, metrics: metrics, environment: ConfigurationLoader.environment) } catch {
            Terminal.errorLine("aragora: \(error)")
            throw CLIExit(code: 78)
        }
    }
}
