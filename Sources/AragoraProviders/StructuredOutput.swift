import AragoraCore
import Synchronization

/// How a provider is asked for a machine-read reply (`<PROVIDER>_STRUCTURED`):
/// - `json_schema`: the schema itself, through the API's own mechanism: OpenAI-style `response_format` with a
///   strict `json_schema`, Anthropic a forced tool, Gemini `responseSchema`, Ollama `format` with the schema;
/// - `json_object`: JSON mode (`{"type": "json_object", "schema": ...}`, which llama.cpp's servers constrain to the
///   schema and others read as plain JSON mode; Gemini's JSON MIME type; Ollama `format: "json"`);
/// - `off`: the prompt alone says the format.
/// The prompt always states the format too, and every reply is checked (`ReplyParser`) whatever the server did.
public enum StructuredMode: String, Sendable, CaseIterable {
    case jsonSchema = "json_schema"
    case jsonObject = "json_object"
    case off

    /// The next mechanism to try after a server refused this one with a 400.
    var weaker: StructuredMode? {
        switch self {
        case .jsonSchema: return .jsonObject
        case .jsonObject: return .off
        case .off: return nil
        }
    }

    /// What each provider gets unless configured (its table entry: DeepSeek offers JSON mode only).
    static func defaultMode(for info: ProviderInfo) -> StructuredMode { info.structured }

    static func variable(for info: ProviderInfo) -> String { info.variablePrefix + "_STRUCTURED" }

    /// The configured mode of each provider, or why a value is wrong.
    static func configured(_ environment: [String: String]) throws -> [String: StructuredMode] {
        var modes: [String: StructuredMode] = [:]
        for info in ProviderInfo.all {
            let name = variable(for: info)
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { continue }
            guard let mode = StructuredMode(rawValue: raw.lowercased()) else {
                throw ProviderConfigurationError("\(name) must be json_schema, json_object or off, got '\(raw)'")
            }
            modes[info.name] = mode
        }
        return modes
    }
}

/// The mechanism each server accepts, learnt as servers refuse stronger ones: remembered per provider and base
/// URL for the life of the process, so one refusal costs one extra request, once.
final class StructuredModes: Sendable {
    private let configured: [String: StructuredMode]
    private let learnt = Mutex<[String: StructuredMode]>([:])

    init(configured: [String: StructuredMode]) { self.configured = configured }

    func mode(for settings: ProviderSettings) -> StructuredMode {
        learnt.withLock { $0[Self.key(settings)] } ?? configured[settings.info.name] ?? StructuredMode.defaultMode(for: settings.info)
    }

    /// The server refused `mode`: use the weaker one from now on (nil when there is none left).
    func refused(_ mode: StructuredMode, by settings: ProviderSettings) -> StructuredMode? {
        guard let weaker = mode.weaker else { return nil }
        learnt.withLock { $0[Self.key(settings)] = weaker }
        return weaker
    }

    static func key(_ settings: ProviderSettings) -> String { settings.info.name + " " + settings.baseURL }
}

/// An error answer to a request that carried a structured-output mechanism, naming that mechanism: the server
/// does not know it. Servers say so differently: llama-cpp-python 0.3.36 answers a `json_schema` response format
/// with a 500 and a validation message, others with a 400 or 422.
struct StructuredRefused: Error {
    var error: AgentError

    static let names = ["response_format", "json_schema", "json_object", "responseschema", "response_schema", "responsemimetype",
                        "tool_choice", "input_schema", "\"format\""]

    static func matches(status: Int, body: [UInt8]) -> Bool {
        guard (400..<600).contains(status), status != 429 else { return false }
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return names.contains { text.contains($0) }
    }
}
